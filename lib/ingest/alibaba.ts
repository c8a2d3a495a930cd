/**
 * Alibaba Cloud alarm callbacks.
 *
 * CloudMonitor threshold alarm callbacks: an `application/x-www-form-urlencoded` POST with `alertName`,
 * `alertState` (OK | ALERT | INSUFFICIENT_DATA), `curValue`, `dimensions`, `expression`, `instanceName`,
 * `metricName`, `metricProject`, `namespace`, `ruleId`, `timestamp`, `triggerLevel`, `userId`, `regionId`
 * (https://www.alibabacloud.com/help/en/cms/user-guide/use-the-alert-callback-feature-to-send-notifications-about-threshold-triggered-alerts).
 * JSON bodies with the same keys are accepted too.
 *
 * ARMS alert webhooks use the Alertmanager webhook format
 * (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config):
 * `{ "status": "firing", "alerts": [{ "status", "labels", "annotations", "startsAt", "endsAt" }], ... }`.
 *
 * @example CloudMonitor form body
 * alertName=blink-delay&alertState=ALERT&curValue=912&metricName=delay&namespace=acs_realtime_compute
 * &dimensions=%7BprojectName%3Detl%2C+jobName%3Dorders%7D&timestamp=1763874000000&triggerLevel=CRITICAL
 */
import { z } from 'zod';
import type { EventInput } from '../events/build.js';
import { FINDING_TYPES } from '../events/payloads.js';
import type { EventStatus, EventType, Severity } from '../events/types.js';
import { type ProviderId, resourceKey } from '../model/snapshot.js';
import { clip, type Fields, fieldsOf, normKey, text, timeMs } from './fields.js';

export interface AlarmContext {
  provider: ProviderId;
  /** Providers a `provider` label may name (those of the configured targets); others keep `provider`. */
  knownProviders?: readonly ProviderId[];
  targetId: string;
  region: string;
  nowMs: number;
  /** Huawei project of the target, which scopes DLI queues and MRS clusters as the collectors do. */
  projectId?: string;
}

/** `ignore`: a well-formed callback jobwatch has nothing to say about (answered 200, not 400). */
export type AlarmParse = { ok: true; input: EventInput } | { ok: false; reason: string; ignore?: boolean };

/** Reads `{a=1, b=2}`, `[{"a":"1"}]`, `{"a":"1"}` or `a:1,b:2` into a flat map with normalized keys. */
export function parseDimensions(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!raw) return out;
  try {
    const json = JSON.parse(raw) as unknown;
    for (const item of Array.isArray(json) ? json : [json]) {
      if (!item || typeof item !== 'object') continue;
      for (const [k, v] of Object.entries(item))
        if (typeof v === 'string' || typeof v === 'number') out.set(normKey(k), String(v));
    }
    return out;
  } catch {
    // Not JSON: the `{key=value, key=value}` form CloudMonitor documents.
  }
  for (const part of raw.replace(/^[[{\s]+|[\]}\s]+$/g, '').split(',')) {
    const m = /^\s*"?([^"=:]+)"?\s*[=:]\s*"?([^"]*)"?\s*$/.exec(part);
    if (m?.[1] && m[2] !== undefined) out.set(normKey(m[1]), m[2].trim());
  }
  return out;
}

function levelSeverity(level: string | undefined, fallback: Severity = 'warning'): Severity {
  const l = level?.toLowerCase();
  if (!l) return fallback;
  if (['critical', 'p1', 'p0', 'error', 'fatal', 'emergency', 'high'].includes(l)) return 'critical';
  if (['warn', 'warning', 'p2', 'p3', 'major', 'minor', 'medium'].includes(l)) return 'warning';
  if (['info', 'p4', 'informational', 'low', 'notice'].includes(l)) return 'info';
  return fallback;
}

/** A resource the vendor names inside a project: a job (by name), a DLI queue or an MRS cluster. */
function scopedResource(
  context: AlarmContext,
  kind: 'job' | 'queue' | 'cluster',
  vendorId: string,
  projectId: string,
): EventInput['resource'] {
  const scope = { kind: 'project' as const, id: projectId };
  return {
    key: resourceKey({ provider: context.provider, region: context.region, scope, type: kind, vendorId }),
    kind,
    name: vendorId,
    vendorId,
    scope,
  };
}

/**
 * A job resource when labels or dimensions name a project and a job (Realtime Compute identifies jobs by
 * project + job name, as the Blink collector does); otherwise a target-level resource for the instance.
 */
function resourceFor(
  get: (...names: string[]) => string | undefined,
  context: AlarmContext,
  fallbackId: string,
): EventInput['resource'] {
  const job = get('jobName', 'job_name', 'job', 'deploymentName');
  const project = get('projectName', 'project', 'workspace', 'namespaceName');
  if (job && project && context.provider === 'alibaba-blink')
    return scopedResource(context, 'job', clip(job, 128) as string, clip(project, 128) as string);
  const queue = get('queueName', 'queue_name', 'queue');
  const cluster = get('clusterId', 'cluster_id', 'cluster');
  if (queue && context.provider === 'huawei-dli' && context.projectId)
    return scopedResource(context, 'queue', clip(queue.toLowerCase(), 128) as string, context.projectId);
  if (cluster && context.provider === 'huawei-mrs' && context.projectId)
    return scopedResource(context, 'cluster', clip(cluster, 128) as string, context.projectId);
  const id = clip(fallbackId, 128) as string;
  return {
    key: `${context.provider}/${context.region}/target:${context.targetId}/alarm:${id}`,
    kind: 'target',
    name: id,
    vendorId: id,
    scope: { kind: 'target', id: context.targetId },
  };
}

export function cloudMonitorFields(body: Buffer, contentType: string | undefined): Fields {
  const textBody = body.toString('utf8');
  if (contentType?.toLowerCase().includes('json') || textBody.trimStart().startsWith('{')) {
    try {
      return fieldsOf(JSON.parse(textBody));
    } catch {
      return new Map();
    }
  }
  return fieldsOf(Object.fromEntries(new URLSearchParams(textBody)));
}

export function cloudMonitorEventInput(fields: Fields, context: AlarmContext): AlarmParse {
  const state = text(fields, 'alertState', 'alarmState', 'state')?.toUpperCase();
  let status: EventStatus;
  if (state === 'ALERT' || state === 'ALARM') status = 'firing';
  else if (state === 'OK') status = 'resolved';
  else if (state === 'INSUFFICIENT_DATA')
    return { ok: false, reason: 'alertState INSUFFICIENT_DATA is ignored', ignore: true };
  else return { ok: false, reason: 'alertState must be ALERT, OK or INSUFFICIENT_DATA' };
  const metric = clip(text(fields, 'metricName', 'rawMetricName'), 128);
  const alertName = clip(text(fields, 'alertName', 'ruleName'), 128);
  if (!metric && !alertName) return { ok: false, reason: 'metricName or alertName is required' };
  const dims = parseDimensions(text(fields, 'dimensions'));
  const get = (...names: string[]) => {
    for (const n of names) {
      const v = dims.get(normKey(n));
      if (v) return v;
    }
    return undefined;
  };
  const instance = get('instanceId') ?? text(fields, 'instanceName', 'instanceId') ?? 'unknown';
  const namespace = clip(text(fields, 'namespace', 'metricProject'), 64) ?? 'unknown';
  const resource = resourceFor(get, context, `${namespace}:${instance}`);
  const atMs = timeMs(text(fields, 'timestamp', 'time')) ?? context.nowMs;
  const curValue = clip(text(fields, 'curValue'), 64);
  const rule = clip(text(fields, 'ruleId'), 128) ?? alertName ?? metric;
  const firing = status === 'firing';
  const name = alertName ?? metric ?? 'alarm';
  return {
    ok: true,
    input: {
      type: 'metric.threshold',
      provider: context.provider,
      targetId: context.targetId,
      region: context.region,
      resource,
      severity: levelSeverity(text(fields, 'triggerLevel', 'level')),
      status,
      title: `${resource.name}: CloudMonitor alarm ${name} ${firing ? 'firing' : 'cleared'}`,
      summary: `CloudMonitor ${namespace} ${metric ?? ''}${curValue === undefined ? '' : ` = ${curValue}`} (${
        firing ? 'in alarm' : 'back to OK'
      }).`.replace(/\s+/g, ' '),
      labels: {
        source: 'cloudmonitor',
        ...(metric ? { metric } : {}),
        ...(alertName ? { alert: alertName } : {}),
      },
      values: {
        ...(metric ? { metric } : {}),
        ...(curValue === undefined ? {} : { currentValue: curValue }),
      },
      discriminator: `cloudmonitor:${rule}`,
      startsAtMs: atMs,
      ...(firing ? {} : { endsAtMs: atMs }),
      atMs,
    },
  };
}

const labelMap = z.record(z.string().max(256), z.string().max(4096));

/** Alertmanager webhook payload (version 4), as ARMS sends it. */
export const alertmanagerPayloadSchema = z.looseObject({
  version: z.string().optional(),
  status: z.string().optional(),
  receiver: z.string().optional(),
  groupLabels: labelMap.optional(),
  commonLabels: labelMap.optional(),
  commonAnnotations: labelMap.optional(),
  alerts: z
    .array(
      z.looseObject({
        status: z.enum(['firing', 'resolved']),
        labels: labelMap,
        annotations: labelMap.optional(),
        startsAt: z.string().max(64).optional(),
        endsAt: z.string().max(64).optional(),
        fingerprint: z.string().max(128).optional(),
      }),
    )
    .min(1, 'needs at least one alert')
    .max(500, 'at most 500 alerts per request'),
});

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;
type AlertmanagerAlert = AlertmanagerPayload['alerts'][number];

const INGESTIBLE_TYPES: ReadonlySet<string> = new Set(FINDING_TYPES);
const MAX_LABELS = 32;

export function armsEventInput(alert: AlertmanagerAlert, common: AlertmanagerPayload, context: AlarmContext) {
  const labels = { ...(common.commonLabels ?? {}), ...alert.labels };
  const annotations = { ...(common.commonAnnotations ?? {}), ...(alert.annotations ?? {}) };
  const fields = fieldsOf(labels);
  const get = (...names: string[]) => text(fields, ...names);
  const providerLabel = get('jobwatch_provider', 'provider');
  const provider =
    providerLabel !== undefined && context.knownProviders?.includes(providerLabel)
      ? providerLabel
      : context.provider;
  const ctx = { ...context, provider };
  const alertName = clip(get('alertname', 'alert_name') ?? 'alert', 128) as string;
  const typeLabel = get('jobwatch_type');
  const type = (typeLabel && INGESTIBLE_TYPES.has(typeLabel) ? typeLabel : 'metric.threshold') as EventType;
  const resource = resourceFor(get, ctx, alertName);
  const startsAtMs = timeMs(alert.startsAt) ?? context.nowMs;
  const endsAtMs = alert.status === 'resolved' ? (timeMs(alert.endsAt) ?? context.nowMs) : undefined;
  const keptLabels: Record<string, string> = { source: 'arms' };
  for (const [k, v] of Object.entries(labels).slice(0, MAX_LABELS)) {
    if (/^(?!__proto__$)[A-Za-z_][A-Za-z0-9_.-]{0,63}$/.test(k)) keptLabels[k] = clip(v, 256) ?? '';
  }
  const input: EventInput = {
    type,
    provider,
    targetId: context.targetId,
    region: get('region', 'regionId') ?? context.region,
    resource,
    severity: levelSeverity(get('severity', 'level', 'priority')),
    status: alert.status,
    title: clip(
      annotations.summary ?? annotations.title ?? `${resource.name}: ARMS alert ${alertName}`,
      300,
    ) as string,
    summary: clip(
      annotations.description ?? annotations.message ?? `ARMS alert ${alertName} is ${alert.status}.`,
      2000,
    ) as string,
    labels: keptLabels,
    values: {},
    discriminator: `arms:${alertName}`,
    startsAtMs,
    ...(endsAtMs === undefined ? {} : { endsAtMs }),
    atMs: endsAtMs ?? startsAtMs,
  };
  if (input.region !== context.region && input.resource.kind !== 'target') {
    // The key must carry the region the event reports.
    input.resource = resourceFor(get, { ...ctx, region: input.region }, alertName);
  }
  return input;
}
