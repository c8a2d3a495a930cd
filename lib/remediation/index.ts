export { ACTION_SPECS, type ActionSpec } from './actions.js';
export { type ApprovalRecord, listApprovals, readApproval } from './approval.js';
export type { ApprovalAnswer, ApprovalVerdict } from './approve.js';
export {
  type AuditRecord,
  formatHistory,
  type Outcome,
  REMEDIATION_DECISIONS,
  type RemediationDecision,
  remediationHistory,
} from './audit.js';
export {
  type RemediationConfig,
  type RemediationMode,
  type RemediationPolicy,
  remediationSchema,
} from './config.js';
export { RemediationIncompleteError } from './errors.js';
export {
  createRemediator,
  type DecisionSummary,
  type RemediationReport,
  type Remediator,
  type RemediatorDeps,
} from './executor.js';
export { SKIP_CODES, type SkipCode } from './guards.js';
