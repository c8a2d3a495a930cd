import { describe, expect, it } from 'vitest';
import {
  classifyError,
  DIAGNOSIS_CATEGORIES,
  MAX_DIAGNOSE_INPUT_CHARS,
  MAX_ROOT_CAUSE_CHARS,
  MAX_SUMMARY_CHARS,
} from '../../lib/diagnose/index.js';
import { TRACES } from './traces.js';

const CASES = Object.entries(TRACES).flatMap(([category, texts]) =>
  texts.map((text, i) => ({ category, text, name: `${category} #${i + 1}` })),
);

describe('classifyError: categories', () => {
  it('has at least 5 traces for every category but unknown', () => {
    for (const category of DIAGNOSIS_CATEGORIES) {
      if (category === 'unknown') continue;
      expect(TRACES[category].length, category).toBeGreaterThanOrEqual(5);
    }
  });

  it.each(CASES)('$name', ({ category, text }) => {
    const verdict = classifyError(text);
    expect(verdict.category).toBe(category);
    expect(verdict.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(verdict.summary).not.toMatch(/\n/);
    expect(verdict.hint.length).toBeGreaterThan(10);
  });

  it.each(CASES)('$name, flattened to one line as collectors store it', ({ category, text }) => {
    expect(classifyError(text.replace(/\s+/g, ' ')).category).toBe(category);
  });

  it('lets the root cause win over the wrapper around it', () => {
    const trace = `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)
Caused by: org.apache.flink.runtime.checkpoint.CheckpointException: Could not complete snapshot 12 for operator sink (1/2)
Caused by: java.net.SocketTimeoutException: Read timed out
\tat java.net.SocketInputStream.socketRead0(Native Method)`;
    const verdict = classifyError(trace);
    expect(verdict.category).toBe('network');
    expect(verdict.rootCause?.split('\n')[0]).toBe('java.net.SocketTimeoutException: Read timed out');
    expect(verdict.rootCause).toContain('at java.net.SocketInputStream.socketRead0(Native Method)');
    expect(verdict.summary).toBe('Network failure: java.net.SocketTimeoutException: Read timed out');
  });

  it('falls back to the wrapper when the root cause says nothing known', () => {
    const verdict = classifyError(TRACES['restart-exhausted'][0]);
    expect(verdict.category).toBe('restart-exhausted');
    expect(verdict.rootCause?.split('\n')[0]).toBe('java.lang.RuntimeException: Source reader failed');
  });

  it('is unknown for text with no known symptom, and keeps it as the root cause', () => {
    const verdict = classifyError('java.lang.IllegalStateException: unexpected state 7');
    expect(verdict).toMatchObject({ category: 'unknown' });
    expect(verdict.rule).toBeUndefined();
    expect(verdict.rootCause).toBe('java.lang.IllegalStateException: unexpected state 7');
  });
});

describe('classifyError: bad input', () => {
  it.each([undefined, null, 42, {}, [], '', '   \n\t '])('is unknown for %j', (input) => {
    const verdict = classifyError(input);
    expect(verdict.category).toBe('unknown');
    expect(verdict.rootCause).toBeUndefined();
  });

  it('scrubs secrets before building any output', () => {
    const trace = `java.sql.SQLException: Access denied for user 'etl'@'10.0.0.3' connecting jdbc:mysql://etl:Etl2024pw@db-prod:3306/orders
Caused by: java.net.ConnectException: Connection refused to https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX with password=hunter22 and Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl`;
    const verdict = classifyError(trace);
    expect(verdict.category).toBe('network');
    const out = JSON.stringify(verdict);
    for (const secret of ['Etl2024pw', 'XXXXSECRETXXXX', 'hunter22', 'eyJhbGciOiJIUzI1NiJ9']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('<redacted>');
  });

  it('caps a huge trace, keeps its tail (the root cause) and stays fast', () => {
    const frame = '\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:123)\n';
    const huge = `org.apache.flink.runtime.JobException: wrapper\n${frame.repeat(60_000)}Caused by: java.lang.OutOfMemoryError: Java heap space\n${frame}`;
    expect(huge.length).toBeGreaterThan(4_000_000);
    const verdict = classifyError(huge);
    expect(verdict.category).toBe('out-of-memory');
    expect(verdict.rootCause?.length).toBeLessThanOrEqual(MAX_ROOT_CAUSE_CHARS);
    expect(verdict.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
  });

  it('does not backtrack on adversarial input', () => {
    // Long runs of near-matches for every bounded gap in the table.
    const adversarial = [
      "Table '".repeat(10_000),
      'LogStore '.repeat(10_000),
      'at a.'.repeat(10_000),
      'Caused by:'.repeat(10_000),
      `${'a.'.repeat(20_000)}Exception`,
      'connection to '.repeat(10_000),
    ];
    for (const text of adversarial) {
      expect(text.length).toBeLessThanOrEqual(MAX_DIAGNOSE_INPUT_CHARS * 4);
      expect(() => classifyError(text)).not.toThrow();
    }
  });

  it('survives binary garbage and broken encodings', () => {
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const garbage = [
      bytes.toString('latin1'),
      bytes.toString('utf8'),
      `\ud800\udfff\udc00 java.net.ConnectException: Connection refused \u0000\u0007\ufffd`,
      `${Buffer.from('作业失败：连接超时', 'utf8').toString('latin1')} then 连接超时`,
    ];
    for (const text of garbage) {
      const verdict = classifyError(text);
      expect(DIAGNOSIS_CATEGORIES).toContain(verdict.category);
      // Nothing it keeps carries control characters or lone surrogates.
      const out = `${verdict.summary}${verdict.rootCause ?? ''}`;
      expect(out).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
    expect(classifyError(garbage[2]).category).toBe('network');
    expect(classifyError(garbage[3]).category).toBe('network');
  });

  it('mixes Chinese and English in one text', () => {
    expect(classifyError('作业失败 Caused by: java.net.UnknownHostException: kafka-1').category).toBe(
      'network',
    );
    expect(classifyError('Job failed, 原因：队列资源不足').category).toBe('resources');
  });
});
