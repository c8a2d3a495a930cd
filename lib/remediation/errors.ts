import type { RemediationReport } from './run.js';

/**
 * Some decisions could not be made or recorded (the Store failed, a provider threw). The report says which;
 * the invocation should fail so it is retried, and the idempotency records make the retry safe.
 */
export class RemediationIncompleteError extends Error {
  override name = 'RemediationIncompleteError';
  constructor(
    readonly report: RemediationReport,
    readonly errors: unknown[],
    options?: ErrorOptions,
  ) {
    super(
      `remediation incomplete: ${errors.length} of ${report.decisions.length} decisions failed (first: ${
        errors[0] instanceof Error ? errors[0].message : String(errors[0])
      })`,
      { cause: errors[0], ...options },
    );
  }
}
