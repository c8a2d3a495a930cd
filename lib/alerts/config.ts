import { z } from 'zod';

/**
 * Alerting configuration: channels (receivers), the routing tree, silences, inhibition and maintenance
 * windows. The alerts module owns this file; the first version only fixes the top-level keys.
 */
export const channelSchema = z.looseObject({
  name: z.string().min(1),
  type: z.enum(['slack', 'dingtalk', 'feishu', 'wecom', 'webhook']),
});

export const alertingSchema = z.object({
  channels: z.array(channelSchema).default([]),
  route: z.looseObject({ receiver: z.string() }).optional(),
  silences: z.array(z.looseObject({})).default([]),
  inhibitRules: z.array(z.looseObject({})).default([]),
  maintenanceWindows: z.array(z.looseObject({})).default([]),
});

export type AlertingConfig = z.infer<typeof alertingSchema>;
