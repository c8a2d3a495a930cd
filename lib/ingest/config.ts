import { z } from 'zod';

/** Inbound webhook settings. The ingest module owns this file; the first version fixes the top-level key. */
export const webhookSchema = z.looseObject({});

export type WebhookConfig = z.infer<typeof webhookSchema>;
