import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  PutEventsCommand,
  PutEventsRequestEntry,
  PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import {
  createEventBridgeBus,
  entrySize,
  PUT_EVENTS_MAX_BYTES,
  type PutEventsSender,
} from '../../lib/aws/bus.js';
import { loadDeployedConfig } from '../../lib/aws/config.js';
import { deadlineSignal } from '../../lib/aws/deadline.js';
import {
  createLambdaLogger,
  createLambdaMetrics,
  eventLogKeys,
  METRIC,
  METRIC_UNIT,
} from '../../lib/aws/observability.js';
import { buildEvent } from '../../lib/events/build.js';
import { parseEventBridgeEvent } from '../../lib/events/envelope.js';
import type { JobwatchEvent } from '../../lib/events/schema.js';
import { dliJobFailed } from '../support/events.js';

/**
 * There is no local EventBridge, so the bus is tested with a fake `send` at the AWS SDK boundary (the
 * SDK client is not our HTTP layer): it records every PutEvents request and answers per entry as told.
 */

function event(i: number, summaryBytes = 10): JobwatchEvent {
  return buildEvent({
    ...dliJobFailed(i, Date.UTC(2026, 0, 1), {
      name: `etl-${i}`,
      key: `huawei-dli/dli-prod/job/${i}`,
      projectId: 'p1',
    }),
    summary: 'x'.repeat(summaryBytes),
    atMs: Date.UTC(2026, 0, 1),
  });
}

/** Answers one entry; `n` is the event's number (its vendorId), `call` the 1-based request count. */
type Answer = (n: number, call: number) => PutEventsResultEntry;
const ok: Answer = (n, call) => ({ EventId: `e-${call}-${n}` });
const numberOf = (entry: PutEventsRequestEntry) => Number(JSON.parse(entry.Detail!).data.resource.vendorId);

function fakeEventBridge(answer: Answer = ok, options: { throwOnCall?: number } = {}) {
  const calls: PutEventsCommand['input'][] = [];
  const client: PutEventsSender = {
    async send(command) {
      calls.push(command.input);
      const call = calls.length;
      if (options.throwOnCall === call)
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      const entries = (command.input.Entries ?? []).map((entry) => answer(numberOf(entry), call));
      return { FailedEntryCount: entries.filter((e) => e.ErrorCode).length, Entries: entries };
    },
  };
  return { client, calls };
}

describe('createEventBridgeBus', () => {
  it('sends in requests of at most 10 entries, each a CloudEvent that parseEventBridgeEvent unwraps', async () => {
    // Prepare
    const { client, calls } = fakeEventBridge();
    const events = Array.from({ length: 23 }, (_, i) => event(i));
    // Act
    const result = await createEventBridgeBus({ busName: 'jobwatch-ci', client }).publish(events);
    // Assess
    expect(result).toEqual({ published: 23, failed: [] });
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 3]);
    const first = calls[0]!.Entries![0]!;
    expect(first).toMatchObject({
      EventBusName: 'jobwatch-ci',
      Source: 'jobwatch',
      DetailType: 'io.jobwatch.job.failed',
    });
    const delivered = {
      source: first.Source,
      'detail-type': first.DetailType,
      detail: JSON.parse(first.Detail!),
    };
    expect(parseEventBridgeEvent(delivered)).toEqual(events[0]);
  });

  it('keeps each request under 256 KB in total', async () => {
    const { client, calls } = fakeEventBridge();
    const events = Array.from({ length: 5 }, (_, i) => event(i, 60_000));
    const result = await createEventBridgeBus({ busName: 'b', client }).publish(events);
    expect(result.published).toBe(5);
    for (const call of calls) {
      const total = (call.Entries ?? []).reduce((n, e) => n + entrySize(e), 0);
      expect(total).toBeLessThan(PUT_EVENTS_MAX_BYTES);
    }
    expect(calls.map((c) => c.Entries?.length)).toEqual([4, 1]);
  });

  it('rejects an event over 256 KB into failed without sending it, and sends the rest', async () => {
    const { client, calls } = fakeEventBridge();
    const huge = event(1, 300_000);
    const result = await createEventBridgeBus({ busName: 'b', client }).publish([huge, event(2)]);
    expect(result.published).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.event).toBe(huge);
    expect(result.failed[0]!.reason).toMatch(/bytes; EventBridge accepts entries under 256 KB/);
    expect(calls.flatMap((c) => c.Entries ?? [])).toHaveLength(1);
  });

  it('retries entries EventBridge throttled and fails entries it rejected for good', async () => {
    // Entry 1 is throttled once, entry 2 is invalid, entry 3 always fails internally.
    const answer: Answer = (n, call) => {
      if (n === 1 && call === 1) return { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' };
      if (n === 2) return { ErrorCode: 'ValidationException', ErrorMessage: 'detail is not valid' };
      if (n === 3) return { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' };
      return ok(n, call);
    };
    const { client, calls } = fakeEventBridge(answer);
    const events = [event(0), event(1), event(2), event(3)];
    const result = await createEventBridgeBus({ busName: 'b', client }).publish(events);
    expect(result.published).toBe(2);
    expect(result.failed.map((f) => [f.event, f.reason])).toEqual([
      [events[2], 'ValidationException: detail is not valid'],
      [events[3], 'InternalFailure: oops'],
    ]);
    // 1 request, then entries 1 and 3 again, then entry 3 a third and last time.
    expect(calls.map((c) => c.Entries?.length)).toEqual([4, 2, 1]);
  });

  it('a request that fails outright fails its entries only; later requests still go', async () => {
    const { client, calls } = fakeEventBridge(ok, { throwOnCall: 1 });
    const events = Array.from({ length: 12 }, (_, i) => event(i));
    const result = await createEventBridgeBus({ busName: 'b', client }).publish(events);
    expect(calls).toHaveLength(2);
    expect(result.published).toBe(2);
    expect(result.failed).toHaveLength(10);
    expect(result.failed[0]!.reason).toBe('PutEvents failed: TimeoutError');
  });

  it('publishing nothing sends nothing', async () => {
    const { client, calls } = fakeEventBridge();
    expect(await createEventBridgeBus({ busName: 'b', client }).publish([])).toEqual({
      published: 0,
      failed: [],
    });
    expect(calls).toHaveLength(0);
  });
});

describe('deadlineSignal', () => {
  it('fires earlyMs before the Lambda deadline with a TimeoutError', async () => {
    const startedMs = performance.now();
    const signal = deadlineSignal({ getRemainingTimeInMillis: () => 250 }, 200);
    expect(signal.aborted).toBe(false);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    const elapsedMs = performance.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(45);
    expect(elapsedMs).toBeLessThan(200);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('is already aborted when less than earlyMs remains', () => {
    const signal = deadlineSignal({ getRemainingTimeInMillis: () => 500 }, 1_000);
    expect(signal.aborted).toBe(true);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });
});

describe('loadDeployedConfig', () => {
  it('reads the bundled file named by JOBWATCH_CONFIG_FILE under LAMBDA_TASK_ROOT, validated', async () => {
    const root = await mkdtemp(join(tmpdir(), 'jobwatch-task-'));
    try {
      await writeFile(join(root, 'jobwatch.example.yml'), 'defaults: { pollIntervalSeconds: 120 }\n');
      const config = await loadDeployedConfig({
        env: { LAMBDA_TASK_ROOT: root, JOBWATCH_CONFIG_FILE: 'jobwatch.example.yml' },
      });
      expect(config.defaults.pollIntervalSeconds).toBe(120);

      await writeFile(join(root, 'jobwatch.yml'), 'defaults: { pollIntervalSeconds: 5 }\n');
      await expect(loadDeployedConfig({ env: { LAMBDA_TASK_ROOT: root } })).rejects.toThrow(
        /defaults\.pollIntervalSeconds/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('eventLogKeys', () => {
  it('names the fingerprint and target of the event', () => {
    const e = event(7);
    expect(eventLogKeys(e)).toEqual({
      fingerprint: e.data.fingerprint,
      targetId: 'dli-prod',
      eventType: 'job.failed',
      eventStatus: 'firing',
    });
  });
});

describe('Powertools factories', () => {
  /** Powertools writes JSON lines to stdout; capture them for the duration of `act`. */
  function captureStdout(act: () => void): Record<string, unknown>[] {
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      act();
    } finally {
      process.stdout.write = original;
    }
    return lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  }

  it('the logger writes structured JSON with the event keys', () => {
    const e = event(3);
    const [line] = captureStdout(() => createLambdaLogger().info('event published', eventLogKeys(e)));
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'event published',
      service: 'jobwatch',
      fingerprint: e.data.fingerprint,
      targetId: 'dli-prod',
    });
  });

  it('metrics are EMF in namespace jobwatch', () => {
    const [emf] = captureStdout(() => {
      const metrics = createLambdaMetrics();
      metrics.addDimension('provider', 'huawei-dli');
      metrics.addMetric(METRIC.pollDuration, METRIC_UNIT.Milliseconds, 1234);
      metrics.publishStoredMetrics();
    });
    const directive = (
      emf as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } }
    )._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('jobwatch');
    expect(directive.Metrics.map((m) => m.Name)).toEqual(['PollDuration']);
    expect(emf).toMatchObject({ PollDuration: 1234, provider: 'huawei-dli', service: 'jobwatch' });
  });
});
