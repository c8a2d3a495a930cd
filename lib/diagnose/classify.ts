/**
 * A pure classifier from error text (Java exception chains, Flink/Spark/Hive traces, vendor status texts in
 * English and Chinese) to a category, a one-line summary and a hint. It never throws, its work is linear in
 * the input (which is capped), and every string it returns is built from scrubbed text.
 *
 * A chain is split into its causes ("Caused by:", Spark's "most recent failure:"). Causes are tried from the
 * innermost outwards, so the root cause decides, not the wrapper around it; within one cause the first rule
 * of the table that matches wins. With no rule matching, an exception thrown from the job's own packages is
 * `user-code`; anything else is `unknown`.
 */
import { scrubSecrets } from '../text/scrub.js';
import { DIAGNOSIS_RULES, type DiagnosisRule, FRAMEWORK_PACKAGES, USER_CODE } from './rules.js';
import type { Classification } from './types.js';

/** Characters of input looked at: the head and the tail (where a Java root cause is) of longer text. */
export const MAX_DIAGNOSE_INPUT_CHARS = 65_536;
/** Longest summary, and longest root cause (header plus a few frames). */
export const MAX_SUMMARY_CHARS = 240;
export const MAX_ROOT_CAUSE_CHARS = 1_000;
/** Longest exception header (class and message) looked at and kept. */
const MAX_HEADER_CHARS = 500;
/** Frames of the root cause kept under its header. */
const ROOT_CAUSE_FRAMES = 3;
/** Causes of one chain looked at, innermost first; a longer chain is a loop in the text, not news. */
const MAX_CAUSES = 64;

const UNKNOWN_HINT = 'No known symptom in the error text: read the full log in the console.';

const CAUSE_SEPARATOR = /Caused by:|most recent failure:|Root cause:|根本原因[:：]|原因[:：]/gi;
/** Control characters (except tab and newlines), replacement characters and lone surrogates. */
const GARBAGE =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A stack frame: `at package.Class.method(File.java:1)`. */
const FRAME = /\bat ([A-Za-z_$][\w$]{0,80}(?:\.[\w$<>-]{1,80}){1,30})\(/;
const FRAMES = /\bat ([A-Za-z_$][\w$]{0,80}(?:\.[\w$<>-]{1,80}){1,30})\([^)\n]{0,200}\)/g;
/** An exception header: a qualified class name ending in Exception/Error/Throwable, with its message. */
const EXCEPTION_CLASS =
  /\b((?:[a-z_$][\w$]{0,80}\.){1,30}[A-Z][\w$]{0,120}(?:Exception|Error|Throwable|Failure))\b/;
const PYTHON_TRACE = /Traceback \(most recent call last\)/;

/** Classifies an error text. Anything that is not a non-empty string is `unknown`. */
export function classifyError(input: unknown): Classification {
  try {
    if (typeof input !== 'string' || input.trim() === '') return unknown(undefined);
    const text = prepare(input);
    const causes = splitCauses(text);
    const root = causes[0] ?? text;
    const rootCause = describeCause(root);
    for (const cause of causes) {
      const rule = matchRule(cause);
      if (rule) return verdict(rule, cause, rootCause);
      if (isUserCode(cause))
        return verdict({ ...USER_CODE, category: 'user-code', pattern: FRAME }, cause, rootCause);
    }
    return unknown(rootCause);
  } catch {
    // A classifier bug must never cost an alert.
    return unknown(undefined);
  }
}

/**
 * One line for a stack trace: its first exception, and its innermost cause when there is a chain
 * ("outer: msg … Caused by: inner: msg"), scrubbed and capped. What a collector keeps of a long trace, so
 * neither the classifier nor a person loses the root cause to the first line's wrapper.
 */
export function causeLine(input: string | null | undefined, max = 300): string | undefined {
  try {
    if (typeof input !== 'string' || input.trim() === '') return undefined;
    const causes = splitCauses(prepare(input));
    const outer = headerOf(causes.at(-1) ?? '');
    const inner = causes.length > 1 ? headerOf(causes[0] as string) : '';
    const line = inner && inner !== outer ? `${outer} … Caused by: ${inner}` : outer || inner;
    return line ? cut(line, max) : undefined;
  } catch {
    return undefined;
  }
}

/** Capped (head and tail), scrubbed, and cleared of control characters and broken encoding. */
function prepare(input: string): string {
  let text: string;
  if (input.length <= MAX_DIAGNOSE_INPUT_CHARS) text = scrubLong(input);
  else {
    const half = MAX_DIAGNOSE_INPUT_CHARS / 2;
    // The token a cut splits may be half a secret: it goes with the cut.
    const head = input.slice(0, half).replace(/\S*$/, '');
    const tail = input.slice(input.length - half).replace(/^\S*/, '');
    text = `${scrubLong(head)}\n…\n${scrubLong(tail)}`;
  }
  return text.replace(GARBAGE, ' ');
}

/** The scrubber caps its own input: longer text is scrubbed in pieces cut at line ends. */
function scrubLong(text: string): string {
  const piece = 16_384;
  if (text.length <= piece) return scrubSecrets(text);
  const out: string[] = [];
  let from = 0;
  while (from < text.length) {
    let to = Math.min(text.length, from + piece);
    if (to < text.length) {
      const lineEnd = text.lastIndexOf('\n', to);
      if (lineEnd > from) to = lineEnd + 1;
      else {
        const space = text.lastIndexOf(' ', to);
        if (space > from) to = space + 1;
      }
    }
    out.push(scrubSecrets(text.slice(from, to)));
    from = to;
  }
  return out.join('');
}

/** The causes of a chain, innermost first. Text without a chain is one cause. */
function splitCauses(text: string): string[] {
  const parts: string[] = [];
  let from = 0;
  CAUSE_SEPARATOR.lastIndex = 0;
  for (let m = CAUSE_SEPARATOR.exec(text); m !== null; m = CAUSE_SEPARATOR.exec(text)) {
    parts.push(text.slice(from, m.index));
    from = m.index + m[0].length;
  }
  parts.push(text.slice(from));
  const causes = parts.filter((p) => p.trim() !== '').reverse();
  return causes.slice(0, MAX_CAUSES);
}

function matchRule(cause: string): DiagnosisRule | undefined {
  for (const rule of DIAGNOSIS_RULES) if (rule.pattern.test(cause)) return rule;
  return undefined;
}

/** An exception whose class, or whose top frame, is outside the engines' and libraries' packages. */
function isUserCode(cause: string): boolean {
  const frame = FRAME.exec(cause)?.[1];
  if (frame) return !isFramework(frame);
  const header = headerOf(cause);
  const cls = EXCEPTION_CLASS.exec(header)?.[1];
  if (cls) return !isFramework(cls);
  return PYTHON_TRACE.test(cause);
}

function isFramework(qualified: string): boolean {
  return FRAMEWORK_PACKAGES.some((prefix) => qualified.startsWith(prefix));
}

/** The cause's first line, or for flattened text, everything before its first frame. */
function headerOf(cause: string): string {
  const trimmed = cause.trim();
  const lineEnd = trimmed.indexOf('\n');
  const firstLine = lineEnd < 0 ? trimmed : trimmed.slice(0, lineEnd);
  const frame = firstLine.search(/\sat [A-Za-z_$][\w$]{0,80}\./);
  return cut(frame > 0 ? firstLine.slice(0, frame) : firstLine, MAX_HEADER_CHARS);
}

/** Header plus the first frames, one per line. */
function describeCause(cause: string): string | undefined {
  const header = headerOf(cause);
  if (!header) return undefined;
  const frames: string[] = [];
  FRAMES.lastIndex = 0;
  for (let m = FRAMES.exec(cause); m !== null && frames.length < ROOT_CAUSE_FRAMES; m = FRAMES.exec(cause)) {
    frames.push(`  ${m[0]}`);
  }
  return cap([cut(header, MAX_ROOT_CAUSE_CHARS / 2), ...frames].join('\n'), MAX_ROOT_CAUSE_CHARS);
}

function verdict(rule: DiagnosisRule, cause: string, rootCause: string | undefined): Classification {
  const header = headerOf(cause);
  return {
    category: rule.category,
    summary: cut(header ? `${rule.what}: ${header}` : rule.what, MAX_SUMMARY_CHARS),
    hint: rule.hint,
    ...(rootCause ? { rootCause } : {}),
    rule: rule.id,
  };
}

function unknown(rootCause: string | undefined): Classification {
  const header = rootCause?.split('\n')[0];
  return {
    category: 'unknown',
    summary: header ? cut(`Unclassified error: ${header}`, MAX_SUMMARY_CHARS) : 'No error text to diagnose',
    hint: UNKNOWN_HINT,
    ...(rootCause ? { rootCause } : {}),
  };
}

function single(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cut(text: string, max: number): string {
  const flat = single(text);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
