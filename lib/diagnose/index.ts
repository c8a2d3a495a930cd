export {
  causeLine,
  classifyError,
  MAX_DIAGNOSE_INPUT_CHARS,
  MAX_ROOT_CAUSE_CHARS,
  MAX_SUMMARY_CHARS,
} from './classify.js';
export { DIAGNOSIS_RULES, type DiagnosisRule } from './rules.js';
export { type Classification, DIAGNOSIS_CATEGORIES, type DiagnosisCategory } from './types.js';
