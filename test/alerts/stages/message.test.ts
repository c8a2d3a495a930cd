import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../../lib/alerts/stages/dedup.js';
import {
  digestMessage,
  groupMessage,
  MAX_ALERTS_PER_MESSAGE,
  testMessage,
  withActionLinks,
} from '../../../lib/alerts/stages/message.js';
import { toAlertView } from '../../../lib/alerts/view.js';
import { jobEvent, resolvedOf, T0 } from '../helpers.js';
import { recordingLogger, storedCandidate, useStore } from './fixtures.js';

const h = useStore();

const many = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => jobEvent({ name: `${prefix}${i}` }));

describe('stage message', () => {
  it('lists at most MAX_ALERTS_PER_MESSAGE alerts, firing first, and counts the rest', async () => {
    // Arrange
    const firing = many('f', 15);
    const gone = many('r', 10);
    const c = await storedCandidate(h.store, firing);
    const told: Candidate = { ...c, resolved: gone.map((e) => toAlertView(resolvedOf(e, T0))) };
    // Act
    const message = groupMessage(told, true, T0);
    const quiet = groupMessage(told, false, T0);
    // Assess
    expect(message.firing).toHaveLength(15);
    expect(message.resolved).toHaveLength(MAX_ALERTS_PER_MESSAGE - 15);
    expect(message.omitted).toBe(5);
    expect(message.status).toBe('firing');
    expect(quiet.resolved).toEqual([]);
    expect(quiet.omitted).toBe(0);
  });

  it('a digest names each folded group and lists their most severe alerts', async () => {
    // Arrange
    const a = await storedCandidate(h.store, many('a', 12));
    const b = await storedCandidate(h.store, [
      jobEvent({ name: 'b', type: 'job.stuck', severity: 'warning' }),
      ...many('b', 11),
    ]);
    // Act
    const digest = digestMessage([a, b], T0);
    // Assess
    expect(digest.groupKey).toBe(`digest:${a.route.id}`);
    expect(digest.reason).toBe('digest');
    expect(digest.digest?.map((d) => d.firing)).toEqual([12, 12]);
    expect(digest.firing).toHaveLength(MAX_ALERTS_PER_MESSAGE);
    expect(digest.omitted).toBe(24 - MAX_ALERTS_PER_MESSAGE);
  });

  it('adds signed action links to firing alerts with a public webhook; none for interactive receivers or an unreadable key', async () => {
    // Arrange
    const message = testMessage('webhook', T0);
    const webhook = { publicUrl: 'https://jobwatch.example.com/', actionLinkKey: 'env:LINK_KEY' };
    const logger = recordingLogger();
    const secrets = async (ref: string) => {
      if (ref === 'env:LINK_KEY') return 'k'.repeat(32);
      throw new Error(`no secret ${ref}`);
    };
    // Act
    const linked = await withActionLinks(message, webhook, {}, { secrets, logger }, T0);
    const unlinked = await withActionLinks(
      message,
      { ...webhook, actionLinkKey: 'env:MISSING' },
      {},
      { secrets, logger },
      T0,
    );
    const noWebhook = await withActionLinks(message, undefined, {}, { secrets, logger }, T0);
    const buttons = await withActionLinks(message, webhook, { interactive: true }, { secrets, logger }, T0);
    // Assess
    const added = (linked.firing[0]?.links.length ?? 0) - (message.firing[0]?.links.length ?? 0);
    expect(added).toBeGreaterThan(0);
    expect(linked.firing[0]?.links.at(-1)?.url).toMatch(/^https:\/\/jobwatch\.example\.com\/act\?t=/);
    expect(unlinked).toBe(message);
    expect(noWebhook).toBe(message);
    expect(buttons).toBe(message);
    expect(logger.lines.map((l) => l.message)).toEqual([
      'action link key could not be read; sending without action links',
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('kkkk');
  });

  it('an interactive receiver (buttons for Acknowledge / Silence) still gets Approve / Reject links', async () => {
    // Arrange
    const asked = jobEvent({
      name: 'approval-job',
      type: 'remediation.skipped',
      severity: 'warning',
      values: {
        action: 'restart',
        outcome: 'skipped',
        reasonCode: 'awaiting-approval',
        approvalId: 'apr-0123456789abcdef0123',
        approvalExpiresAtMs: T0 + 1800_000,
      },
    });
    const failed = jobEvent({ name: 'plain-failure' });
    const c = await storedCandidate(h.store, [asked, failed]);
    const webhook = { publicUrl: 'https://jobwatch.example.com/', actionLinkKey: 'env:LINK_KEY' };
    const secrets = async () => 'k'.repeat(32);
    // Act
    const message = await withActionLinks(
      groupMessage(c, true, T0),
      webhook,
      { interactive: true },
      { secrets, logger: recordingLogger() },
      T0,
    );
    // Assess
    const titles = (name: string) =>
      message.firing.find((v) => v.resourceName === name)?.links.map((l) => l.title) ?? [];
    expect(titles('approval-job')).toEqual(expect.arrayContaining(['Approve', 'Reject']));
    expect(titles('plain-failure')).not.toContain('Acknowledge');
  });
});
