/**
 * Cloud Eye (CES) alarm notifications delivered through SMN, for DLI queues (`SYS.DLI`, dimension
 * `queue_id`/`queue_name`) and MRS clusters (`SYS.MRS`, dimension `cluster_id`), turned into
 * `queue.unhealthy` / `cluster.unhealthy` events: firing on alarm, resolved on OK.
 *
 * Cloud Eye lets users edit the notification template, so keys are read case- and underscore-insensitively
 * and both a flat object and `{ "data": {...} }` are accepted. docs/webhooks.md gives the JSON template
 * jobwatch expects. A plain-text message (the default template) cannot be read reliably and is ignored.
 *
 * @example
 * {"version":"v1","data":{"namespace":"SYS.DLI","metric_name":"queue_cu_usage","resource_id":"q-1",
 *  "resource_name":"etl_queue","alarm_status":"alarm","alarm_level":"Major","alarm_name":"queue-busy",
 *  "alarm_time":"2026-11-23T05:00:00Z","current_value":"97"}}
 */
import type { EventInput } from '../events/build.js';
import type { EventStatus, Severity } from '../events/types.js';
import { resourceKey } from '../model/snapshot.js';
import { clip, type Fields, fieldsOf, text, timeMs } from './fields.js';

export interface CloudEyeAlarm {
  kind: 'queue' | 'cluster';
  /** Queue name (DLI addresses queues by name) or cluster id. */
  resourceId: string;
  resourceName: string;
  status: EventStatus;
  severity: Severity;
  metric: string;
  alarmName?: string;
  currentValue?: string;
  atMs?: number;
}

export type CloudEyeParse = { ok: true; alarm: CloudEyeAlarm } | { ok: false; reason: string };

export function parseCloudEyeAlarm(message: string): CloudEyeParse {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, reason: 'message is not a JSON Cloud Eye alarm (plain-text template?)' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    return { ok: false, reason: 'message is not a JSON object' };
  const root = json as Record<string, unknown>;
  const fields = fieldsOf(root.data, root.Data, root);
  const dims = dimensions(fields);
  const namespace = text(fields, 'namespace')?.toUpperCase();
  const kind =
    namespace === 'SYS.DLI' || dims.has('queueid') || dims.has('queuename')
      ? 'queue'
      : namespace === 'SYS.MRS' || dims.has('clusterid')
        ? 'cluster'
        : undefined;
  if (!kind)
    return { ok: false, reason: `namespace ${namespace ?? '(none)'} is neither SYS.DLI nor SYS.MRS` };
  const status = alarmStatus(fields);
  if (!status) return { ok: false, reason: 'alarm status is missing or neither alarm nor ok' };
  const name = text(fields, 'resource_name', 'resourceName', 'instance_name');
  const id =
    kind === 'queue'
      ? (dims.get('queuename') ?? name ?? dims.get('queueid') ?? text(fields, 'resource_id', 'instance_id'))
      : (dims.get('clusterid') ?? text(fields, 'resource_id', 'instance_id'));
  if (!id) return { ok: false, reason: `no ${kind} id in the alarm` };
  // DLI queue names are case-insensitive and stored lower-cased (DLI API reference, queue_name).
  const resourceId = kind === 'queue' ? id.toLowerCase() : id;
  const metric = text(fields, 'metric_name', 'metric') ?? 'unknown';
  return {
    ok: true,
    alarm: {
      kind,
      resourceId: clip(resourceId, 128) as string,
      resourceName: clip(kind === 'queue' ? resourceId : (name ?? id), 128) as string,
      status,
      severity: severity(text(fields, 'alarm_level', 'level', 'severity')),
      metric: clip(metric, 128) as string,
      ...optional('alarmName', clip(text(fields, 'alarm_name', 'alarm_rule_name', 'alarmRule'), 128)),
      ...optional('currentValue', clip(text(fields, 'current_value', 'current_data', 'value'), 64)),
      ...optional('atMs', timeMs(text(fields, 'alarm_time', 'time', 'timestamp', 'event_time'))),
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** Dimensions as `{name: value}`: from `dimensions: [{name, value}]`, `"queue_id:abc,..."` or flat keys. */
function dimensions(fields: Fields): Map<string, string> {
  const out = new Map<string, string>();
  const raw = fields.get('dimensions') ?? fields.get('dimension');
  const add = (name: unknown, value: unknown) => {
    if (typeof name === 'string' && (typeof value === 'string' || typeof value === 'number'))
      out.set(name.toLowerCase().replace(/[_-]/g, ''), String(value).trim());
  };
  if (Array.isArray(raw)) for (const d of raw) if (d && typeof d === 'object') add(d.name, d.value);
  if (typeof raw === 'string') {
    for (const part of raw.split(/[,;]/)) {
      const [name, ...rest] = part.split(/[:=]/);
      if (name && rest.length) add(name.trim(), rest.join(':'));
    }
  }
  for (const key of ['queueid', 'queuename', 'clusterid']) {
    const value = text(fields, key);
    if (value && !out.has(key)) out.set(key, value);
  }
  return out;
}

function alarmStatus(fields: Fields): EventStatus | undefined {
  const isAlarm = fields.get('isalarm');
  if (typeof isAlarm === 'boolean') return isAlarm ? 'firing' : 'resolved';
  const status = text(fields, 'alarm_status', 'alarm_state', 'status', 'state', 'is_alarm')?.toLowerCase();
  if (!status) return undefined;
  if (['alarm', 'alarming', 'firing', 'true', '1', 'alert'].includes(status)) return 'firing';
  if (['ok', 'resolved', 'recovered', 'false', '0', 'normal'].includes(status)) return 'resolved';
  return undefined;
}

/** Cloud Eye levels: 1 critical, 2 major, 3 minor, 4 informational. */
function severity(level: string | undefined): Severity {
  switch (level?.toLowerCase()) {
    case '1':
    case 'critical':
    case '2':
    case 'major':
      return 'critical';
    case '4':
    case 'info':
    case 'informational':
      return 'info';
    default:
      return 'warning';
  }
}

/**
 * The event for one alarm. The resource key is the one the DLI and MRS collectors give the same queue or
 * cluster (project scope, queue name / cluster id), so routing, grouping and inhibition (the `container`
 * label) treat the alarm and a polled finding on that queue or cluster alike.
 *
 * The fingerprint adds the alarm's metric as discriminator by default, so one metric's OK never resolves
 * another metric's alarm on the same queue. With `sharedFingerprint` it is exactly the fingerprint
 * detection gives its own `queue.unhealthy` / `cluster.unhealthy` finding (no discriminator): the alarm
 * and the polled finding are then one alert, and any OK resolves it.
 */
export function cloudEyeEventInput(
  alarm: CloudEyeAlarm,
  context: {
    targetId: string;
    region: string;
    projectId: string;
    messageAtMs: number;
    sharedFingerprint?: boolean;
  },
): EventInput {
  const provider = alarm.kind === 'queue' ? 'huawei-dli' : 'huawei-mrs';
  const scope = { kind: 'project' as const, id: context.projectId };
  const key = resourceKey({
    provider,
    region: context.region,
    scope,
    type: alarm.kind,
    vendorId: alarm.resourceId,
  });
  const atMs = alarm.atMs ?? context.messageAtMs;
  const noun = alarm.kind === 'queue' ? 'DLI queue' : 'MRS cluster';
  const what = alarm.alarmName ? `${alarm.alarmName} (${alarm.metric})` : alarm.metric;
  const firing = alarm.status === 'firing';
  return {
    type: alarm.kind === 'queue' ? 'queue.unhealthy' : 'cluster.unhealthy',
    provider,
    targetId: context.targetId,
    region: context.region,
    resource: {
      key,
      kind: alarm.kind,
      name: alarm.resourceName,
      vendorId: alarm.resourceId,
      scope,
    },
    severity: alarm.severity,
    status: alarm.status,
    title: `${noun} ${alarm.resourceName}: Cloud Eye alarm ${firing ? 'firing' : 'cleared'}`,
    summary: `Cloud Eye alarm ${what} is ${firing ? 'in alarm' : 'back to OK'}${
      alarm.currentValue === undefined ? '' : ` (current value ${alarm.currentValue})`
    }.`,
    labels: {
      source: 'cloud-eye',
      metric: alarm.metric,
      ...(alarm.alarmName ? { alarm: alarm.alarmName } : {}),
    },
    values: {
      metric: alarm.metric,
      ...(alarm.currentValue === undefined ? {} : { currentValue: alarm.currentValue }),
    },
    ...(context.sharedFingerprint ? {} : { discriminator: `cloud-eye:${alarm.metric}` }),
    startsAtMs: atMs,
    ...(firing ? {} : { endsAtMs: atMs }),
    atMs,
  };
}
