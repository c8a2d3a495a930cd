import { describe, expect, it } from 'vitest';
import { causeLine } from '../../lib/diagnose/index.js';
import { toFailovers } from '../../lib/providers/alibaba-blink/collector.js';

const CHAIN = `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)
\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)
Caused by: java.io.IOException: write to jdbc:mysql://etl:Etl2024pw@db:3306/x failed
Caused by: java.net.SocketException: Connection reset by peer
\tat java.net.SocketInputStream.read(SocketInputStream.java:210)`;

describe('causeLine', () => {
  it('keeps the first exception and the innermost cause, scrubbed', () => {
    expect(causeLine(CHAIN)).toBe(
      'org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000) … Caused by: java.net.SocketException: Connection reset by peer',
    );
    expect(causeLine('java.lang.OutOfMemoryError: heap\n\tat a.b.C.d(C.java:1)')).toBe(
      'java.lang.OutOfMemoryError: heap',
    );
    expect(causeLine(`Caused by: x ${'y'.repeat(1000)}`, 50)?.length).toBe(50);
    expect(causeLine('  ')).toBeUndefined();
    expect(causeLine(null)).toBeUndefined();
    expect(causeLine('password=hunter22 Caused by: token=abcdef123456')).not.toMatch(/hunter22|abcdef123456/);
  });

  it('Blink failovers carry the chain root cause, not only the wrapper of the first line', () => {
    const [failover] = toFailovers({
      'root-exception': CHAIN,
      timestamp: 1610505450869,
      'all-exceptions': [],
      truncated: false,
    });
    expect(failover?.message).toBe(
      'org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)',
    );
    expect(failover?.rootCause).toContain('Caused by: java.net.SocketException: Connection reset by peer');
    expect(JSON.stringify(failover)).not.toContain('Etl2024pw');
  });
});
