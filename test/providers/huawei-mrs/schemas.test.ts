import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { huaweiEnvelopeFailure } from '../../../lib/providers/huawei/index.js';
import { parseArguments, parseProperties } from '../../../lib/providers/huawei-mrs/actions.js';
import {
  CLUSTER_STATE_HEALTH,
  clusterHealth,
  jobKindOf,
  latestExecutions,
  normalizeJobState,
} from '../../../lib/providers/huawei-mrs/collector.js';
import {
  clusterDetailSchema,
  hostListSchema,
  jobDetailSchema,
  jobListSchema,
  submitJobResponseSchema,
} from '../../../lib/providers/huawei-mrs/schemas.js';
import { parseVendor } from '../../../lib/providers/shared.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('digest example responses parse', () => {
  it('V2 job list (OTC example): two ACCEPTED executions, total 2', () => {
    const list = parseVendor(jobListSchema, fixture('job-list.json'), 'ShowJobExeListNew');
    expect(list.total_record).toBe(2);
    expect(list.job_list.map((j) => [j.job_name, j.job_state, j.job_result])).toEqual([
      ['SparkSubmitTest', 'ACCEPTED', 'UNDEFINED'],
      ['SparkSubmitTest2', 'ACCEPTED', 'UNDEFINED'],
    ]);
    expect(list.job_list[0]?.submitted_time).toBe(1564714763119);
  });

  it('V2 job list (golangsdk fixture): FINISHED with result FAILED normalizes to FAILED', () => {
    const list = parseVendor(jobListSchema, fixture('job-list-finished-failed.json'), 'ShowJobExeListNew');
    const job = list.job_list[0];
    expect(job?.job_state).toBe('FINISHED');
    expect(normalizeJobState(job?.job_state, job?.job_result).state).toBe('FAILED');
  });

  it('a listed execution keeps only the fields the collector maps (no arguments, properties or unknown keys)', () => {
    const list = parseVendor(jobListSchema, fixture('job-list.json'), 'ShowJobExeListNew');
    // The fixture has no app_id; user, elapsed_time, launcher_id, arguments and properties are dropped.
    expect(Object.keys(list.job_list[0] ?? {}).sort()).toEqual([
      'finished_time',
      'job_id',
      'job_name',
      'job_progress',
      'job_result',
      'job_state',
      'job_type',
      'queue',
      'started_time',
      'submitted_time',
    ]);
  });

  it('V2 job detail: SUCCEEDED, times in ms', () => {
    const detail = parseVendor(jobDetailSchema, fixture('job-detail.json'), 'ShowSingleJobExe');
    expect(detail.job_detail.finished_time).toBe(1564626664930);
    expect(normalizeJobState(detail.job_detail.job_state, detail.job_detail.job_result).state).toBe(
      'SUCCEEDED',
    );
  });

  it('V1.1 cluster detail: counts and times arrive as strings, times in seconds', () => {
    const detail = parseVendor(clusterDetailSchema, fixture('cluster-detail.json'), 'ShowClusterDetails');
    expect(detail.cluster.totalNodeNum).toBe(5);
    expect(detail.cluster.updateAt).toBe(1564714763);
    expect(clusterHealth(detail.cluster, undefined)).toBe('HEALTHY');
  });

  it('V1.1 host list', () => {
    const hosts = parseVendor(hostListSchema, fixture('host-list.json'), 'ListHosts');
    expect(hosts.total).toBe(5);
    expect(hosts.hosts.map((h) => h.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('submit answers: success, and the 500 example with the envelope nested in job_submit_result', () => {
    const ok = parseVendor(submitJobResponseSchema, fixture('submit-ok.json'), 'CreateExecuteJob');
    expect(ok.job_submit_result?.state).toBe('COMPLETE');
    const failed = parseVendor(
      submitJobResponseSchema,
      fixture('submit-failed-500.json'),
      'CreateExecuteJob',
    );
    expect(failed.job_submit_result?.error_code).toBe('0168');
  });

  it('error envelopes are recognised by the shared client', () => {
    expect(huaweiEnvelopeFailure(fixture('job-list-error.json'))).toEqual({
      code: '0166',
      message: 'Failed to query the job list.',
    });
    expect(huaweiEnvelopeFailure(fixture('apigw-auth-error.json'))?.code).toBe('APIGW.0301');
  });

  it('drift names the field', () => {
    expect(() =>
      parseVendor(jobListSchema, { total_record: 1, job_list: [{ job_name: 'x' }] }, 'ShowJobExeListNew'),
    ).toThrow(/job_list\[0\]\.job_id/);
  });
});

describe('normalizeJobState', () => {
  // Each row: job_state, job_result, expected state, expected cause.
  const rows: [string, string, string, string | undefined][] = [
    // Success comes only from job_result.
    ['FINISHED', 'SUCCEEDED', 'SUCCEEDED', undefined],
    // FINISHED is not success: YARN state vs final status.
    ['FINISHED', 'FAILED', 'FAILED', 'system'],
    ['FAILED', 'FAILED', 'FAILED', 'system'],
    ['FAILED', 'UNDEFINED', 'FAILED', 'system'],
    // KILLED is "manually terminated": a person did it.
    ['KILLED', 'KILLED', 'STOPPED', 'user'],
    ['RUNNING', 'UNDEFINED', 'RUNNING', undefined],
    // Every not-yet-running state is PENDING (stuck detection applies), case-insensitively ("New" in OTC).
    ['NEW', 'UNDEFINED', 'PENDING', undefined],
    ['New', 'UNDEFINED', 'PENDING', undefined],
    ['NEW_SAVING', 'UNDEFINED', 'PENDING', undefined],
    ['SUBMITTED', 'UNDEFINED', 'PENDING', undefined],
    ['ACCEPTED', 'UNDEFINED', 'PENDING', undefined],
    // FINISHED without a result is contradictory: unknown, not success.
    ['FINISHED', 'UNDEFINED', 'UNKNOWN', undefined],
    ['SOMETHING_NEW', '', 'UNKNOWN', undefined],
  ];
  it.each(rows)('%s / %s -> %s', (jobState, jobResult, state, cause) => {
    const out = normalizeJobState(jobState, jobResult);
    expect(out.state).toBe(state);
    expect(out.stateCause).toBe(cause);
  });
});

describe('cluster health', () => {
  // Every documented clusterState; abnormal, failed and frozen are unhealthy.
  const documented: [string, string][] = [
    ['starting', 'DEGRADED'],
    ['running', 'HEALTHY'],
    ['scaling-out', 'HEALTHY'],
    ['scaling-in', 'HEALTHY'],
    ['abnormal', 'UNHEALTHY'],
    ['failed', 'UNHEALTHY'],
    ['frozen', 'UNHEALTHY'],
    ['terminating', 'UNKNOWN'],
    ['terminated', 'UNKNOWN'],
  ];
  it.each(documented)('clusterState %s is %s', (clusterState, health) => {
    expect(CLUSTER_STATE_HEALTH[clusterState]).toBe(health);
  });
  it('maps no other clusterState; reads it case-insensitively, an unknown one as UNKNOWN', () => {
    expect(Object.keys(CLUSTER_STATE_HEALTH).sort()).toEqual(documented.map(([state]) => state).sort());
    expect(clusterHealth({ clusterState: 'Abnormal' }, undefined)).toBe('UNHEALTHY');
    expect(clusterHealth({ clusterState: 'mystery' }, undefined)).toBe('UNKNOWN');
  });
  it('a running cluster with a host not ACTIVE, or a failed scaling, is degraded', () => {
    expect(
      clusterHealth({ clusterState: 'running' }, [{ name: 'h', status: 'SHUTOFF', healthy: false }]),
    ).toBe('DEGRADED');
    expect(clusterHealth({ clusterState: 'running', scale: 'scaling-error' }, [])).toBe('DEGRADED');
  });
});

describe('job kinds and latest execution', () => {
  it.each([
    ['MapReduce', 'mapreduce'],
    ['SparkSubmit', 'spark-batch'],
    ['SparkPython', 'spark-batch'],
    ['HiveScript', 'hive'],
    ['HiveSql', 'hive'],
    ['DistCp', 'distcp'],
    ['SparkScript', 'spark-sql'],
    ['SparkSql', 'spark-sql'],
    ['Flink', 'flink-stream'],
    ['X', 'other'],
  ])('job_type %s is a %s job', (jobType, kind) => {
    expect(jobKindOf(jobType)).toBe(kind);
  });
  it('the latest submitted execution represents a job name', () => {
    const latest = latestExecutions([
      { job_id: 'a', job_name: 'etl', submitted_time: 1, job_state: 'FINISHED', job_result: 'FAILED' },
      { job_id: 'b', job_name: 'etl', submitted_time: 2, job_state: 'RUNNING', job_result: 'UNDEFINED' },
      { job_id: 'c', job_name: 'other', submitted_time: 1 },
    ] as never[]);
    expect(latest.get('etl')?.job_id).toBe('b');
    expect(latest.size).toBe(2);
  });
});

describe('rebuilding a submission from a detail', () => {
  it('reads arguments as JSON arrays, Java List.toString() and arrays', () => {
    expect(parseArguments('[--class, org.Example, obs://b/x.jar, 10]')).toEqual([
      '--class',
      'org.Example',
      'obs://b/x.jar',
      '10',
    ]);
    expect(parseArguments('["a b", "c"]')).toEqual(['a b', 'c']);
    expect(parseArguments(['x', 1])).toEqual(['x', '1']);
    expect(parseArguments('[]')).toEqual([]);
    expect(parseArguments(undefined)).toEqual([]);
    expect(parseArguments('not a list')).toBeUndefined();
    // Numbers keep their spelling: Java's rendering, not JSON numbers.
    expect(parseArguments('[1.0, 0100, 1e3]')).toEqual(['1.0', '0100', '1e3']);
    expect(parseArguments('[null]')).toEqual(['null']);
  });
  it('reads properties as JSON, a JSON string, or Java Map.toString()', () => {
    expect(parseProperties('{}')).toEqual({});
    expect(parseProperties('{"a":"1"}')).toEqual({ a: '1' });
    expect(parseProperties('{fs.obs.endpoint=obs, k=v=w}')).toEqual({ 'fs.obs.endpoint': 'obs', k: 'v=w' });
    expect(parseProperties({ n: 2 })).toEqual({ n: '2' });
    expect(parseProperties('{broken}')).toBeUndefined();
  });
});

describe('key casing', () => {
  it('accepts totalRecord (camelCase, as V1.1 spells it) for the job list total', () => {
    const list = parseVendor(jobListSchema, { totalRecord: '3', job_list: [] }, 'ShowJobExeListNew');
    expect(list.totalRecord).toBe(3);
  });
});
