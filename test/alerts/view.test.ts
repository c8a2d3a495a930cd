/** The alert view reads each event's typed payload: no guessed keys, figures and decisions per type. */
import { describe, expect, it } from 'vitest';
import { toAlertView } from '../../lib/alerts/view.js';
import { jobEvent, T0 } from './helpers.js';

describe('alert view from the typed payload', () => {
  it('shows state, since and last error of a job, and nothing from keys no producer writes', () => {
    const view = toAlertView(
      jobEvent({
        values: {
          state: 'FAILED',
          since: '2026-11-23T09:55:00.000Z',
          lastError: 'java.io.IOException: boom',
        },
      }),
    );
    expect(view).toMatchObject({ state: 'FAILED', lastError: 'java.io.IOException: boom' });
    expect(view.stateSinceMs).toBe(Date.parse('2026-11-23T09:55:00.000Z'));
    // A sender's `jobState`, `error` or `message` is not a job state or an error: only figures at most.
    const guessed = toAlertView(
      jobEvent({ values: {}, extras: { jobState: 'FAILED', error: 'boom', message: 'x' } }),
    );
    expect(guessed.state).toBeUndefined();
    expect(guessed.lastError).toBeUndefined();
  });

  it("shows each type's own figures", () => {
    const burst = toAlertView(
      jobEvent({
        type: 'failover.burst',
        values: { state: 'RUNNING', newFailovers: 4, burstCount: 3, windowSeconds: 600 },
      }),
    );
    expect(burst.counts).toEqual(['failovers 4/3']);
    const stalled = toAlertView(
      jobEvent({
        type: 'checkpoint.stalled',
        values: {
          lastCheckpointAgeSeconds: 1200,
          stallLimitSeconds: 600,
          inProgressCount: 1,
          intervalSeconds: 60,
        },
      }),
    );
    expect(stalled.counts).toEqual(['no checkpoint for 20m (limit 10m)', 'in progress count 1']);
  });

  it('reads a decision from its facts: a performed dry run is marked, a skip never is', () => {
    const decision = (
      type: 'remediation.performed' | 'remediation.skipped',
      outcome: 'dry-run' | 'skipped',
    ) =>
      jobEvent({
        type,
        severity: 'info',
        startsAtMs: T0,
        values: {
          action: 'restart',
          mode: 'dry-run',
          outcome,
          attempt: null,
          reason: 'dry run: would restart',
          reasonCode: null,
          policy: 'restart-failed',
          trigger: 'job.failed',
          triggerFingerprint: '0123456789abcdef',
        },
      });
    expect(toAlertView(decision('remediation.performed', 'dry-run')).remediation).toEqual({
      action: 'restart',
      outcome: 'dry-run',
      reason: 'dry run: would restart',
      dryRun: true,
    });
    expect(toAlertView(decision('remediation.skipped', 'skipped')).remediation).toEqual({
      action: 'restart',
      outcome: 'skipped',
      reason: 'dry run: would restart',
    });
  });
});
