import type { JobState } from '../model/snapshot.js';
import type { ActionName } from '../providers/types.js';

/**
 * What the executor needs to know about each action, declared next to its name (as Cloud Custodian does with
 * `valid_origin_states`): the job states it may act from by default, the state verification expects, and
 * whether it is a restart (so a vendor's own auto-restart takes precedence).
 */
export interface ActionSpec {
  /** Default origin states for jobs; a policy's `fromStates` replaces them. */
  originStates: readonly JobState[];
  /** Restart-like actions compete with a vendor's own auto-restart. */
  restarts: boolean;
  /** Words for messages: "restart", "pause". */
  verb: string;
}

export const ACTION_SPECS: Record<ActionName, ActionSpec> = {
  pause: { originStates: ['RUNNING'], restarts: false, verb: 'pause' },
  resume: { originStates: ['PAUSED'], restarts: false, verb: 'resume' },
  stop: { originStates: ['RUNNING', 'PENDING'], restarts: false, verb: 'stop' },
  restart: { originStates: ['RUNNING', 'FAILED'], restarts: true, verb: 'restart' },
  'restart-from-checkpoint': {
    originStates: ['RUNNING', 'FAILED'],
    restarts: true,
    verb: 'restart from checkpoint',
  },
  kill: { originStates: ['RUNNING', 'PENDING'], restarts: false, verb: 'kill' },
  cancel: { originStates: ['RUNNING', 'PENDING'], restarts: false, verb: 'cancel' },
  resubmit: { originStates: ['FAILED'], restarts: true, verb: 'resubmit' },
  'restart-queue': { originStates: [], restarts: true, verb: 'restart queue' },
};
