import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { huaweiEnvelopeFailure } from '../../../lib/providers/huawei/index.js';
import {
  flinkState,
  sparkDiagnostics,
  sparkState,
  sqlState,
} from '../../../lib/providers/huawei-dli/collector.js';
import {
  flinkDispatchSchema,
  flinkJobDetailSchema,
  flinkJobListSchema,
  queueActionSchema,
  queueListSchema,
  queueSchema,
  sparkBatchListSchema,
  sparkBatchSchema,
  sparkBatchStateSchema,
  sparkCancelSchema,
  sqlJobListSchema,
  sqlJobStatusSchema,
} from '../../../lib/providers/huawei-dli/schemas.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));

describe('DLI schemas parse the vendor examples (digest huawei-dli.md)', () => {
  it('Flink list: string is_success, total_count, the item', () => {
    const list = flinkJobListSchema.parse(fixture('flink-list'));
    expect(list.is_success).toBe(true);
    expect(list.job_list.total_count).toBe(26);
    expect(list.job_list.jobs[0]).toMatchObject({
      job_id: 146,
      name: 'aaaaaa',
      status: 'job_init',
      has_savepoint: false,
    });
  });

  it('Flink detail (jar, never run): null start_time and no resume settings', () => {
    const detail = flinkJobDetailSchema.parse(fixture('flink-detail-jar')).job_detail;
    expect(detail).toMatchObject({ job_id: 104, queue_name: 'flinktest', status: 'job_init' });
    expect(detail.start_time).toBeUndefined();
    expect(detail.job_config?.restart_when_exception).toBe(false);
    expect(detail.job_config?.resume_max_num).toBeUndefined();
  });

  it('Flink detail (open-source SQL): native auto-restart settings, and no SQL text kept', () => {
    const parsed = flinkJobDetailSchema.parse(fixture('flink-detail-opensource-sql'));
    expect(parsed.job_detail.job_config).toMatchObject({
      restart_when_exception: true,
      resume_checkpoint: true,
      resume_max_num: -1,
      checkpoint_enabled: true,
      checkpoint_interval: 600,
    });
    expect(JSON.stringify(parsed)).not.toContain('sql_body');
    expect(JSON.stringify(parsed)).not.toContain('operator_config');
  });

  it('Flink run answers an array, stop a single object; both parse', () => {
    expect(flinkDispatchSchema.parse(fixture('flink-run-response'))).toHaveLength(4);
    expect(flinkDispatchSchema.parse(fixture('flink-stop-response'))).toMatchObject({ is_success: true });
  });

  it('Spark list, detail, state (capitalised) and cancel', () => {
    const list = sparkBatchListSchema.parse(fixture('spark-list'));
    expect(list.total).toBe(1);
    expect(list.sessions[0]).toMatchObject({ state: 'dead', cluster_name: 'test' });
    expect(sparkBatchSchema.parse(fixture('spark-detail')).state).toBe('starting');
    expect(sparkState(sparkBatchStateSchema.parse(fixture('spark-state')).state).state).toBe('SUCCEEDED');
    expect(sparkCancelSchema.parse(fixture('spark-cancel')).msg).toBe('deleted');
  });

  it('SQL list and status, without the statement', () => {
    const list = sqlJobListSchema.parse(fixture('sql-list'));
    expect(list.job_count).toBe(1);
    expect(list.jobs[0]).toMatchObject({
      job_id: '37286cc7-0508-4ffd-b636-951c8a5c75de',
      status: 'FINISHED',
      end_time: 1502349821460,
    });
    expect(JSON.stringify(list)).not.toContain('select * from');
    expect(sqlJobStatusSchema.parse(fixture('sql-status')).status).toBe('FINISHED');
  });

  it('queues: list with string is_restarting, both detail casings, restart answers', () => {
    const list = queueListSchema.parse(fixture('queue-list'));
    expect(list.queues[0]).toMatchObject({
      name: 'test',
      type: 'spark',
      cuCount: 16,
      restarting: false,
      cuSpec: 16,
    });
    expect(queueSchema.parse(fixture('queue-detail-camel'))).toMatchObject({
      name: 'test',
      type: 'general',
      cuCount: 16,
    });
    expect(queueSchema.parse(fixture('queue-detail-snake'))).toMatchObject({
      name: 'queue1',
      type: 'sql',
      cuCount: 16,
    });
    expect(queueActionSchema.parse(fixture('queue-restart')).job_id).toBeUndefined();
    expect(queueActionSchema.parse(fixture('queue-restart-force')).job_id).toBe(
      'd90396c7-3a25-4944-ad1e-99c764d902e7',
    );
  });

  it('the error envelope is recognised as a failure with its code', () => {
    expect(huaweiEnvelopeFailure(fixture('error-envelope'))).toEqual({
      code: 'DLI.0002',
      message: 'There is no queue named testqueue',
    });
    expect(huaweiEnvelopeFailure(fixture('flink-list'))).toBeUndefined();
  });

  it('drift names the field', () => {
    const result = flinkJobListSchema.safeParse({
      is_success: true,
      job_list: { total_count: 'many', jobs: [] },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['job_list', 'total_count']);
  });
});

describe('DLI state mapping', () => {
  it('maps every documented Flink status, both spellings of cancelling, and unknown values', () => {
    expect(flinkState('job_canceling').state).toBe('STOPPING');
    expect(flinkState('job_cancelling').state).toBe('STOPPING');
    expect(flinkState('job_running_exception')).toEqual({ state: 'FAILED', cause: 'system' });
    expect(flinkState('job_submit_fail').state).toBe('FAILED');
    expect(flinkState('job_cancel_fail').state).toBe('FAILED');
    expect(flinkState('job_cancel_success')).toEqual({ state: 'STOPPED', cause: 'user' });
    expect(flinkState('job_arrearage_stopped')).toEqual({ state: 'STOPPED', cause: 'system' });
    expect(flinkState('job_savepointing').state).toBe('STOPPING');
    expect(flinkState('job_finish').state).toBe('SUCCEEDED');
    expect(flinkState('job_submitting').state).toBe('PENDING');
    expect(flinkState('job_running').state).toBe('RUNNING');
    expect(flinkState('job_something_new').state).toBe('UNKNOWN');
  });

  it('compares Spark states case-insensitively and SQL statuses exactly', () => {
    expect(sparkState('Success').state).toBe('SUCCEEDED');
    expect(sparkState('DEAD').state).toBe('FAILED');
    expect(sparkState('recovering').state).toBe('PENDING');
    expect(sqlState('CANCELLED')).toEqual({ state: 'STOPPED', cause: 'user' });
    expect(sqlState('SCALING').state).toBe('RUNNING');
  });

  it('keeps Spark diagnostics, drops argument lines, scrubs secrets', () => {
    const text = sparkDiagnostics([
      'stdout: ',
      'stdout: args --jdbc-password hunter2',
      'stderr: ',
      'YARN Diagnostics: User class threw exception: password=hunter2 rejected',
    ]);
    expect(text).toContain('User class threw exception');
    expect(text).not.toContain('hunter2');
    expect(sparkDiagnostics(['stdout: ', 'stderr: ', 'YARN Diagnostics: '])).toBeUndefined();
  });
});
