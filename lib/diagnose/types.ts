/** What kind of failure an error text describes. The order is the documentation order, not a priority. */
export const DIAGNOSIS_CATEGORIES = [
  'out-of-memory',
  'checkpoint',
  'source-sink-missing',
  'auth',
  'network',
  'dependency',
  'serialization',
  'resources',
  'restart-exhausted',
  'user-code',
  'unknown',
] as const;
export type DiagnosisCategory = (typeof DIAGNOSIS_CATEGORIES)[number];

/** The classifier's verdict on one error text. Every string in it is scrubbed and capped. */
export interface Classification {
  category: DiagnosisCategory;
  /** One line: what went wrong, with the exception or vendor message that says so. */
  summary: string;
  /** What to check first. */
  hint: string;
  /** The innermost cause in the text (header line and a few frames), when there is any text. */
  rootCause?: string;
  /** Id of the rule that matched (for tests and debugging); absent for `unknown`. */
  rule?: string;
}
