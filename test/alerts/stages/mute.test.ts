import { describe, expect, it } from 'vitest';
import { ACK_PK, type Ack } from '../../../lib/alerts/acks.js';
import {
  alertLabels,
  createSilence,
  silenceInputSchema,
  silencesFromConfig,
} from '../../../lib/alerts/silences.js';
import type { GroupState } from '../../../lib/alerts/stages/group.js';
import { buildFlushMuter } from '../../../lib/alerts/stages/mute.js';
import type { JobwatchEvent } from '../../../lib/events/schema.js';
import type { Store, StoreItem } from '../../../lib/state/store.js';
import { containerEvent, jobEvent, T0 } from '../helpers.js';
import { groupOf, recordingLogger, stageConfig, useStore } from './fixtures.js';

const h = useStore();

/** Groups as the flush lists them, one per event. */
const groupsOf = (events: JobwatchEvent[]) =>
  events.map((event, i) => ({
    pk: 'alert#group',
    sk: `g${i}`,
    version: 1,
    updatedAtMs: T0,
    data: groupOf([event]),
  })) as StoreItem<GroupState>[];

const asAlert = (event: JobwatchEvent) => ({
  fingerprint: event.data.fingerprint,
  labels: alertLabels(event),
  firing: true,
});

describe('stage mute: buildFlushMuter', () => {
  it('inhibits by firing alerts of any group, then windows, then config and stored silences; holds acks', async () => {
    // Arrange
    const config = stageConfig({
      silences: [
        { matchers: ['resource="cfg-muted"'], endsAt: T0 + 600_000, createdBy: 'ops', comment: 'known' },
      ],
    });
    await createSilence(
      h.store,
      silenceInputSchema.parse({
        matchers: ['resource="stored-muted"'],
        endsAt: T0 + 600_000,
        createdBy: 'ana',
        comment: 'x',
      }),
      T0,
    );
    const ack: Ack = {
      fingerprint: 'fp-acked',
      startsAtMs: T0,
      untilMs: T0 + 600_000,
      createdBy: 'ana',
      comment: '',
      createdAtMs: T0,
      targetId: 'prod-blink',
      resourceName: 'x',
      title: 'x',
      via: 'cli',
    };
    await h.store.put({ pk: ACK_PK, sk: ack.fingerprint, data: ack });
    const cluster = containerEvent('cluster', 'c1', 'huawei-mrs/cn-north-4/cluster:c1/cluster:c1');
    const onCluster = jobEvent({ name: 'on-c1', container: 'c1' });
    // Act
    const muter = await buildFlushMuter({
      config,
      configSilences: silencesFromConfig(config.silences),
      store: h.store,
      logger: recordingLogger(),
      groups: groupsOf([cluster, onCluster]),
      nowMs: T0,
    });
    // Assess
    expect(muter.mutes(asAlert(onCluster))?.by).toBe('inhibition');
    expect(muter.mutes(asAlert(cluster))).toBeUndefined();
    expect(muter.mutes(asAlert(jobEvent({ name: 'cfg-muted' })))?.by).toBe('silence');
    expect(muter.mutes(asAlert(jobEvent({ name: 'stored-muted' })))?.detail).toContain('by ana');
    expect(muter.mutes(asAlert(jobEvent({ name: 'free' })))).toBeUndefined();
    expect([...muter.acks.keys()]).toEqual(['fp-acked']);
  });

  it('a store that cannot list silences or acks costs only those: config silences still mute, with warnings', async () => {
    // Arrange
    const config = stageConfig({
      silences: [
        { matchers: ['resource="cfg-muted"'], endsAt: T0 + 600_000, createdBy: 'ops', comment: 'known' },
      ],
    });
    const broken = Object.assign(Object.create(h.store) as Store, {
      query: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    const logger = recordingLogger();
    // Act
    const muter = await buildFlushMuter({
      config,
      configSilences: silencesFromConfig(config.silences),
      store: broken,
      logger,
      groups: [],
      nowMs: T0,
    });
    // Assess
    expect(muter.mutes(asAlert(jobEvent({ name: 'cfg-muted' })))?.by).toBe('silence');
    expect(muter.acks.size).toBe(0);
    expect(logger.lines.map((l) => l.message)).toEqual([
      'stored silences could not be read; using config silences only',
      'acknowledgements could not be read; repeating as if none',
    ]);
  });
});
