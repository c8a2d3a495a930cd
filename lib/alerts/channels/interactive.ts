/**
 * What chat channels with callbacks (Slack app interactivity, Feishu app card callbacks) share: the
 * allow-list schema, the buttons a firing alert carries and the value a button sends back. A button's value
 * is only trusted after the platform's signature on the callback was verified, and even then it only names
 * an alert and an action: who may act is decided from the receiver's allow-list.
 */
import { z } from 'zod';
import { LINK_ACTIONS, type LinkAction } from '../action-links.js';
import { safeUrl } from './text.js';
import type { AlertView } from './types.js';

/** Chat user ids (Slack U…/W…, Feishu open_id ou_… or user_id); `*` lets everyone in the chat act. */
const userIdSchema = z
  .string()
  .regex(/^(\*|[\w-]{1,64})$/, 'must be a chat user id (Slack U…/W…, Feishu ou_… or user_id) or *');

/** Per action group, the chat user ids that may press it; empty (the default) lets nobody. */
export const chatAllowSchema = z
  .object({
    ack: z.array(userIdSchema).default([]),
    silence: z.array(userIdSchema).default([]),
  })
  .strict();
export type ChatAllow = z.infer<typeof chatAllowSchema>;

export const BUTTON_ACTIONS = Object.keys(LINK_ACTIONS) as LinkAction[];

export interface ActionValue {
  receiver: string;
  fingerprint: string;
  action: LinkAction;
}

/** Compact JSON, well under Slack's 2,000-character button value. */
export function encodeActionValue(value: ActionValue): { r: string; f: string; a: LinkAction } {
  return { r: value.receiver, f: value.fingerprint, a: value.action };
}

/** Reads a button value (an object, or the JSON string Slack sends back); undefined when malformed. */
export function decodeActionValue(raw: unknown): ActionValue | undefined {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.length > 2000) return undefined;
    try {
      value = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  const v = value as { r?: unknown; f?: unknown; a?: unknown } | null;
  if (
    !v ||
    typeof v !== 'object' ||
    typeof v.r !== 'string' ||
    v.r.length === 0 ||
    v.r.length > 100 ||
    typeof v.f !== 'string' ||
    !/^[\w:.-]{1,200}$/.test(v.f) ||
    typeof v.a !== 'string' ||
    !Object.hasOwn(LINK_ACTIONS, v.a)
  )
    return undefined;
  return { receiver: v.r, fingerprint: v.f, action: v.a as LinkAction };
}

/** The link buttons of an alert: its console and runbook links (checked http(s) URLs). */
export function linkButtons(view: AlertView): { title: string; url: string }[] {
  const titles: Record<string, string> = { console: 'Open console', runbook: 'Runbook' };
  return view.links.flatMap((link) => {
    const title = titles[link.title];
    const url = title ? safeUrl(link.url) : undefined;
    return title && url ? [{ title, url }] : [];
  });
}
