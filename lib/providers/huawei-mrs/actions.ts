/**
 * MRS remediation levers: kill a job execution, and resubmit a failed one with the type, name, arguments
 * and properties of its detail. Both are asynchronous at MRS, so each is verified by polling the detail.
 *
 * Arguments and properties can hold keys (`fs.obs.secret.key`): they go from the detail answer straight
 * into the submit body and nowhere else — not into outcomes, messages or logs.
 *
 * @example
 * # jobwatch.yml remediation policy (resubmit is never done unless a policy names it)
 * remediation:
 *   policies:
 *     - name: resubmit-nightly-etl
 *       match: { provider: huawei-mrs, type: job.failed, job: "nightly-*" }
 *       action: resubmit
 */

import { sleep as defaultSleep, type Sleep } from '../../async/sleep.js';
import { HttpCallError } from '../../http/errors.js';
import { cleanVendorText } from '../../text/scrub.js';
import { finishOutcome, isRetryableFailure, type OutcomeBody, pollUntil } from '../actions-shared.js';
import type { ActionName, ProviderActions } from '../types.js';
import { connectMrs, type MrsApi } from './client.js';
import { isFinalExecution, latestExecutions, normalizeJobState } from './collector.js';
import type { MrsTarget } from './config.js';
import type { MrsJobExecution, MrsListedExecution } from './schemas.js';

export const MRS_JOB_ACTIONS: readonly ActionName[] = ['kill', 'resubmit'];

/** Strings, numbers and booleans as strings; undefined when anything else (nested objects) is present. */
function allScalars(values: unknown[]): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else return undefined;
  }
  return out;
}

/**
 * Arguments as MRS renders them in a detail: a JSON array, or Java's `List.toString()`
 * (`[--class, x, obs://b/app.jar]`). The latter cannot tell an argument containing ", " apart from two.
 */
export function parseArguments(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return allScalars(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text === '[]') return [];
  if (text.startsWith('[')) {
    try {
      // Only an array of JSON strings is read as JSON: `[1.0, 2]` is Java's rendering of "1.0" and "2".
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) return parsed;
    } catch {
      // Not JSON: Java's List.toString() below.
    }
    if (!text.endsWith(']')) return undefined;
    return text
      .slice(1, -1)
      .split(', ')
      .map((a) => a.trim());
  }
  return undefined;
}

/** Properties as a JSON object, a JSON string of one (`"{}"`), or Java's `Map.toString()` (`{k=v, k2=v2}`). */
export function parseProperties(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    const values = allScalars(entries.map(([, v]) => v));
    return values && Object.fromEntries(entries.map(([k], i) => [k, values[i] as string]));
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text === '{}') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parseProperties(parsed);
  } catch {
    // Not JSON: Java's Map.toString() below.
  }
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  const entries: [string, string][] = [];
  for (const pair of text.slice(1, -1).split(', ')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    entries.push([pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()]);
  }
  // fromEntries defines own properties, so a key like `__proto__` stays a key.
  return Object.fromEntries(entries);
}

/** Vendor failure text safe for an outcome: kind, status, code, scrubbed message. */
function describe(error: unknown): { message: string; retryable: boolean; rejected: boolean } {
  if (error instanceof HttpCallError) {
    return {
      message: cleanVendorText(error.message) ?? error.kind,
      retryable: isRetryableFailure(error),
      rejected: error.kind === 'client-error',
    };
  }
  return {
    message: cleanVendorText(error instanceof Error ? error.message : String(error)) ?? 'error',
    retryable: false,
    rejected: false,
  };
}

/** A vendor call that failed: rejected when the request was wrong, failed otherwise. */
function errorBody(error: unknown): OutcomeBody {
  const d = describe(error);
  return {
    ok: false,
    status: d.rejected ? 'rejected' : 'failed',
    message: d.message,
    retryable: d.retryable,
  };
}

export interface MrsActionsOptions {
  /** Injected in tests to advance a simulated clock; must reject when the signal aborts. */
  sleep?: Sleep;
}

export function createMrsActions(options: MrsActionsOptions = {}): ProviderActions<MrsTarget> {
  const sleep = options.sleep ?? defaultSleep;

  return {
    supports: (resource) => (resource.kind === 'job' ? MRS_JOB_ACTIONS : []),

    /**
     * The job's latest execution, as the collector picks it: a person's resubmit is a new execution of the
     * same name, so reading only the execution an event names would still say FAILED after the fix.
     */
    async readState(target, resource, ctx) {
      if (resource.kind !== 'job' || resource.scope.kind !== 'cluster')
        throw new Error(`huawei-mrs reads job executions on clusters only, not a ${resource.kind}`);
      const api = await connectMrs(target, ctx);
      const listed = await api.listJobs(
        resource.scope.id,
        [
          ['job_name', resource.vendorId],
          ['sort_by', 'desc'],
        ],
        target.options.pageSize,
      );
      const latest = latestExecutions(
        listed.items.filter((j) => (j.job_name ?? j.job_id) === resource.vendorId),
      ).get(resource.vendorId);
      if (!latest) {
        if (!listed.complete)
          throw new Error(`the execution list of ${resource.vendorId} was not read whole`);
        return { kind: 'job', state: 'UNKNOWN', vendorState: 'no execution listed' };
      }
      return {
        kind: 'job',
        ...normalizeJobState(latest.job_state, latest.job_result),
        vendorState: vendorState(latest),
        instanceId: latest.job_id,
      };
    },

    async perform(target, request, ctx) {
      const startedMs = ctx.now();
      const { action, resource } = request;
      const done = (outcome: OutcomeBody) => finishOutcome(action, startedMs, ctx.now, outcome);

      if (resource.kind !== 'job' || !MRS_JOB_ACTIONS.includes(action) || resource.scope.kind !== 'cluster') {
        return done({
          ok: false,
          status: 'unsupported',
          message: `huawei-mrs supports ${MRS_JOB_ACTIONS.join(', ')} on jobs only`,
          retryable: false,
        });
      }
      const clusterId = resource.scope.id;
      const executionId = resource.instanceId ?? resource.vendorId;
      let api: MrsApi;
      try {
        api = await connectMrs(target, ctx);
      } catch (error) {
        return done({ ok: false, status: 'failed', message: describe(error).message, retryable: false });
      }

      /** Polls the execution's detail until `settled` says so or the verify time runs out. */
      const verify = async (
        jobId: string,
        settled: (job: MrsJobExecution) => { ok: boolean; message: string } | undefined,
      ) => {
        let verdict: { ok: boolean; message: string } | undefined;
        const polled = await pollUntil({
          read: () => api.showJob(clusterId, jobId),
          decide: (job) => {
            verdict = settled(job);
            return verdict === undefined ? 'wait' : verdict.ok ? 'done' : 'failed';
          },
          now: ctx.now,
          sleep,
          signal: ctx.signal,
          startedMs: ctx.now(),
          verifyTimeoutMs: request.verifyTimeoutMs,
          verifyIntervalMs: request.verifyIntervalMs,
        });
        const finalState = polled.last && vendorState(polled.last);
        if (polled.result === 'done' && verdict)
          return done({ ok: true, finalState, message: verdict.message });
        if (polled.result === 'failed' && verdict)
          return done({
            ok: false,
            status: 'failed',
            finalState,
            message: verdict.message,
            retryable: false,
          });
        const lastError = polled.error === undefined ? undefined : describe(polled.error).message;
        return done({
          ok: false,
          status: 'timeout',
          finalState,
          message: `not verified within ${Math.round(request.verifyTimeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}`,
          retryable: true,
        });
      };

      let current: MrsJobExecution;
      try {
        current = await api.showJob(clusterId, executionId);
      } catch (error) {
        return done(errorBody(error));
      }

      if (action === 'kill') {
        if (isFinalExecution(current)) {
          return done({
            ok: false,
            status: 'rejected',
            finalState: vendorState(current),
            message: `execution ${executionId} has already ended (${vendorState(current)})`,
            retryable: false,
          });
        }
        try {
          await api.killJob(clusterId, executionId);
        } catch (error) {
          return done(errorBody(error));
        }
        return verify(executionId, (job) =>
          isFinalExecution(job)
            ? { ok: true, message: `execution ${executionId} ended: ${vendorState(job)}` }
            : undefined,
        );
      }

      // resubmit
      if (normalizeJobState(current.job_state, current.job_result).state !== 'FAILED') {
        return done({
          ok: false,
          status: 'rejected',
          finalState: vendorState(current),
          message: `only failed executions are resubmitted; ${executionId} is ${vendorState(current)}`,
          retryable: false,
        });
      }
      const args = parseArguments(current.arguments);
      const properties = parseProperties(current.properties);
      if (!current.job_type || !current.job_name || args === undefined || properties === undefined) {
        return done({
          ok: false,
          status: 'failed',
          message: `cannot rebuild the submission of ${executionId} from its detail (type, name, arguments or properties unreadable)`,
          retryable: false,
        });
      }
      let newJobId: string;
      try {
        // One attempt only: a retried submit after a lost answer would run the job twice.
        const submitApi = await connectMrs(target, ctx, { retry: { maxAttempts: 1 } });
        const answer = await submitApi.submitJob(clusterId, {
          job_type: current.job_type,
          job_name: current.job_name,
          arguments: args,
          properties,
        });
        const result = answer.job_submit_result;
        const code = result?.error_code ?? answer.error_code;
        if (!result?.job_id || (result.state ?? '').toUpperCase() === 'FAILED' || code) {
          const msg = result?.error_msg ?? answer.error_msg ?? 'no job id returned';
          return done({
            ok: false,
            status: 'rejected',
            message: `submit refused${code ? ` (${code})` : ''}: ${cleanVendorText(msg, 200)}`,
            retryable: code === '0202' || code === '0177',
          });
        }
        newJobId = result.job_id;
      } catch (error) {
        return done(errorBody(error));
      }
      ctx.logger.info('mrs resubmitted job', {
        cluster: clusterId,
        job: current.job_name,
        newExecution: newJobId,
      });
      return verify(newJobId, (job) => {
        const { state } = normalizeJobState(job.job_state, job.job_result);
        if (state === 'RUNNING' || state === 'SUCCEEDED')
          return { ok: true, message: `resubmitted as ${newJobId}: ${vendorState(job)}` };
        if (state === 'FAILED' || state === 'STOPPED')
          return { ok: false, message: `resubmitted as ${newJobId}, which ended ${vendorState(job)}` };
        return undefined;
      });
    },
  };
}

function vendorState(job: MrsListedExecution): string {
  return job.job_result ? `${job.job_state ?? '?'}/${job.job_result}` : (job.job_state ?? 'unknown');
}

export const mrsActions: ProviderActions<MrsTarget> = createMrsActions();
