/**
 * Webhook ingest is where outside text enters jobwatch: a sender's event that carries secrets is scrubbed
 * before it becomes an event, so neither the bus nor a dead letter in the store ever holds them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INGEST_DEADLETTER_PK } from '../../lib/ingest/accept.js';
import { signPayload } from '../../lib/ingest/signing.js';
import { dliJobFailed } from '../support/events.js';
import { apiEvent, type Harness, SECRETS, startHarness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());
beforeEach(() => {
  h.bus.published.length = 0;
  h.bus.failing = 'no';
  h.clock.nowMs = Date.now();
});

const LEAK = /leak\d/i;

function leakyEvent(seq: number) {
  return {
    ...dliJobFailed(seq, h.clock.nowMs - 1000),
    title: `nightly-${seq} failed: jdbc:mysql://etl:Leak1-Title@db/x`,
    summary: 'exit 1; Authorization: Bearer Leak2-Summary-0123; {"password":"Leak3 Summary"}',
    labels: { conn: 'redis://:Leak4-Label@cache:6379' },
    values: { lastError: '--conf spark.hadoop.fs.obs.secret.key=Leak5-Value', attempts: 3 },
    links: [
      { title: 'console', url: 'https://console.example.com/dli/jobs/1' },
      { title: 'hook', url: 'https://hooks.slack.com/services/T0/B0/Leak6Link' },
    ],
  };
}

async function send(seq: number) {
  const body = JSON.stringify(leakyEvent(seq));
  const ts = String(Math.floor(h.clock.nowMs / 1000));
  const headers = {
    'content-type': 'application/json',
    'x-jobwatch-timestamp': ts,
    'x-jobwatch-signature': signPayload(SECRETS.JW_EVENTS_SECRET, ts, body),
  };
  return h.handler(apiEvent('POST', '/ingest/events', { body, headers }));
}

describe('secrets in ingested events', () => {
  it('are scrubbed before the event is published; the rest of the text and the safe link stay', async () => {
    expect((await send(1)).statusCode).toBe(200);
    const [event] = h.bus.published;
    const text = JSON.stringify(event);
    expect(text).not.toMatch(LEAK);
    expect(event?.data.title).toBe('nightly-1 failed: jdbc:mysql://<redacted>@db/x');
    expect(event?.data.values).toMatchObject({
      lastError: '--conf spark.hadoop.fs.obs.secret.key=<redacted>',
      attempts: 3,
    });
    expect(event?.data.links).toEqual([{ title: 'console', url: 'https://console.example.com/dli/jobs/1' }]);
  });

  it('never reach a dead letter in the store', async () => {
    h.bus.failing = 'refuse';
    expect((await send(2)).statusCode).toBe(202);
    const parked = await h.store.query(INGEST_DEADLETTER_PK);
    expect(parked.length).toBeGreaterThan(0);
    expect(JSON.stringify(parked)).not.toMatch(LEAK);
  });
});
