/**
 * Stage "message" (flush): what a receiver is told: one group's message (most severe first, at most
 * MAX_ALERTS_PER_MESSAGE listed, the rest counted), the storm digest of folded groups, and the signed
 * action links (Acknowledge, Silence) added to every firing alert when the webhook is public.
 */
import { buildEvent } from '../../events/build.js';
import { decisionFacts } from '../../events/payloads.js';
import type { Logger } from '../../observability/logger.js';
import { actionLinks, approvalLinks } from '../action-links.js';
import type { AlertGroupMessage } from '../channels/types.js';
import { toAlertView } from '../view.js';
import type { Candidate } from './dedup.js';
import { describeError } from './mute.js';

/** Alerts listed in one message; the rest are counted ("… and 12 more"). */
export const MAX_ALERTS_PER_MESSAGE = 20;

/** One group's message; resolutions are left out when the receiver does not want them. */
export function groupMessage(
  c: Pick<Candidate, 'item' | 'reason' | 'firing' | 'resolved'>,
  sendResolved: boolean,
  nowMs: number,
): AlertGroupMessage {
  const resolved = sendResolved ? c.resolved : [];
  const firing = c.firing.slice(0, MAX_ALERTS_PER_MESSAGE);
  const resolvedShown = resolved.slice(0, Math.max(0, MAX_ALERTS_PER_MESSAGE - firing.length));
  return {
    receiver: c.item.data.receiver,
    groupKey: c.item.data.groupKey,
    groupLabels: c.item.data.groupLabels,
    reason: c.reason,
    status: c.firing.length > 0 ? 'firing' : 'resolved',
    firing,
    resolved: resolvedShown,
    omitted: c.firing.length - firing.length + resolved.length - resolvedShown.length,
    nowMs,
  };
}

/** The storm digest: the most severe alerts of the folded groups, then one line per group. */
export function digestMessage(folded: readonly Candidate[], nowMs: number): AlertGroupMessage {
  const first = folded[0] as Candidate;
  return {
    receiver: first.item.data.receiver,
    groupKey: `digest:${first.route.id}`,
    groupLabels: { route: first.route.id },
    reason: 'digest',
    status: folded.some((c) => c.firing.length > 0) ? 'firing' : 'resolved',
    firing: folded.flatMap((c) => c.firing).slice(0, MAX_ALERTS_PER_MESSAGE),
    resolved: [],
    digest: folded.map((c) => ({
      groupLabels: c.item.data.groupLabels,
      firing: c.firing.length,
      resolved: c.resolved.length,
    })),
    omitted: Math.max(0, folded.reduce((n, c) => n + c.firing.length, 0) - MAX_ALERTS_PER_MESSAGE),
    nowMs,
  };
}

/**
 * With `webhook.publicUrl` and `webhook.actionLinkKey`, every firing alert of a message gets signed links
 * to the confirm page (Acknowledge, Silence 1 h / 4 h). A key that cannot be read costs the links, never
 * the message.
 */
export async function withActionLinks(
  message: AlertGroupMessage,
  webhook: { publicUrl?: string | undefined; actionLinkKey?: string | undefined } | undefined,
  /** Receivers with callbacks carry buttons instead (see channels/interactive.ts). */
  receiver: { interactive?: boolean | undefined },
  deps: { secrets: (reference: string) => Promise<string>; logger: Logger },
  nowMs: number,
): Promise<AlertGroupMessage> {
  const publicUrl = webhook?.publicUrl;
  const keyRef = webhook?.actionLinkKey;
  if (!publicUrl || !keyRef || message.firing.length === 0) return message;
  // Receivers with callbacks have buttons for Acknowledge and Silence but none for Approve / Reject: a
  // remediation waiting for approval keeps its links there too.
  if (receiver.interactive && !message.firing.some((view) => awaitingApproval(view) !== undefined))
    return message;
  let key: string;
  try {
    key = await deps.secrets(keyRef);
  } catch (error) {
    deps.logger.warn('action link key could not be read; sending without action links', {
      error: describeError(error),
    });
    return message;
  }
  return {
    ...message,
    firing: message.firing.map((view) => {
      // A remediation waiting for a person offers Approve / Reject instead (policy `approval: required`).
      const approvalId = awaitingApproval(view);
      const links =
        approvalId !== undefined
          ? approvalLinks(publicUrl, key, approvalId, nowMs)
          : receiver.interactive
            ? []
            : actionLinks(publicUrl, key, view.fingerprint, nowMs);
      return { ...view, links: [...view.links, ...links] };
    }),
  };
}

/** The approval id of a remediation decision waiting for a person, if the alert is one. */
function awaitingApproval(view: AlertGroupMessage['firing'][number]): string | undefined {
  const decision = decisionFacts(view.event.data);
  return decision?.approvalId !== undefined && decision.reasonCode === 'awaiting-approval'
    ? decision.approvalId
    : undefined;
}

/** `jobwatch alert test`: one harmless firing alert, marked as a test everywhere it shows. */
export function testMessage(receiver: string, nowMs: number): AlertGroupMessage {
  const event = buildEvent({
    type: 'job.failed',
    provider: 'alibaba-blink',
    targetId: 'jobwatch-test',
    region: 'test',
    resource: {
      key: 'test/job:jobwatch-test',
      kind: 'job',
      name: 'jobwatch-test-message',
      vendorId: 'test',
      scope: { kind: 'target', id: 'test' },
    },
    severity: 'info',
    status: 'firing',
    title: 'Test message from jobwatch',
    summary: `This is a test of receiver ${receiver}. No job is affected.`,
    extras: { restarts: 0, maxRestarts: 0 },
    startsAtMs: nowMs,
  });
  return {
    receiver,
    groupKey: 'test',
    groupLabels: { alertname: 'jobwatch test' },
    reason: 'test',
    status: 'firing',
    firing: [toAlertView(event)],
    resolved: [],
    omitted: 0,
    nowMs,
  };
}
