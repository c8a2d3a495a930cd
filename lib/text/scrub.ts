/**
 * The one secret scrubber. Vendor text (error messages, exceptions, diagnostics, webhook payloads) is
 * scrubbed once, where it enters jobwatch: the provider clients and collectors, `HttpCallError`, and the
 * webhook ingest. Everything downstream (detection, events, chat, the store) only trims.
 *
 * Every pattern is linear: keys and prefixes have bounded lengths, open-ended runs sit at the end of a
 * pattern (nothing after them to backtrack into), and input is capped at MAX_SCRUB_INPUT_CHARS.
 */

import { trimText } from './trim.js';

export const REDACTED = '<redacted>';
/** Longer input is cut before scrubbing (the token cut in half is dropped with it). */
export const MAX_SCRUB_INPUT_CHARS = 32_768;

// ---------------------------------------------------------------------------------------------------------
// Which key names a secret. A key is split into words (`fs.s3a.secret.key`, `aws_secret_access_key`,
// `SecurityToken`, `--api-key`); it names a secret when its last word, or its last two or three words,
// are one of these. `passwords.txt`, `tokenCount`, `secretary`, `secret_name` and `keyBy` do not.

const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'cookie',
]);
const SECRET_PAIRS = new Set([
  'access key',
  'secret key',
  'api key',
  'private key',
  'account key',
  'session key',
  'secret id',
  'access keyid',
  'accesskey id',
  'signing key',
  'master key',
  'encryption key',
]);
const SECRET_TRIPLES = new Set(['access key id']);
/** Error codes and exception names that mention a credential (`InvalidAccessKeyId: The key...`). */
const ERROR_NAME_FIRST = new Set([
  'invalid',
  'missing',
  'expired',
  'incorrect',
  'wrong',
  'bad',
  'no',
  'empty',
]);
const ERROR_NAME_LAST = new Set(['exception', 'error', 'errors', 'failure']);
/** Whole keys that are credentials only on their own (`ak=`, `sk=`). */
const SECRET_KEYS = new Set(['ak', 'sk', 'aksk']);
/** Values that say whether a secret exists, never what it is: `password: YES`, `"token": null`. */
const NOT_A_SECRET = /^(?:true|false|yes|no|null|none|nil|undefined|empty|\*+)$/i;

/** Keys that open a sentence as often as a pair: a credential only before `=` or as a quoted key. */
const PROSE_KEY = /credentials?$/i;
/** Cheap first look: a key without any of these fragments cannot name a credential. */
const SECRET_HINT = /pass|pwd|secret|token|credential|key|cookie|^(?:--?)?(?:ak|sk|aksk)$/i;

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a key (property, header, flag, JSON or XML name) names a credential. */
export function isSecretKey(key: string): boolean {
  if (!SECRET_HINT.test(key)) return false;
  let verdict = KEY_VERDICTS.get(key);
  if (verdict === undefined) {
    // The same few keys (password, token, fs.s3a.secret.key) recur in every message: remember them.
    if (KEY_VERDICTS.size >= 1024) KEY_VERDICTS.clear();
    verdict = judgeKey(key);
    KEY_VERDICTS.set(key, verdict);
  }
  return verdict;
}

const KEY_VERDICTS = new Map<string, boolean>();

function judgeKey(key: string): boolean {
  const words = keyWords(key);
  const n = words.length;
  if (n === 0) return false;
  if (n === 1 && SECRET_KEYS.has(words[0] as string)) return true;
  if (ERROR_NAME_FIRST.has(words[0] as string) || ERROR_NAME_LAST.has(words[n - 1] as string)) return false;
  if (SECRET_WORDS.has(words[n - 1] as string)) return true;
  if (n >= 2 && SECRET_PAIRS.has(`${words[n - 2]} ${words[n - 1]}`)) return true;
  if (n >= 3 && SECRET_TRIPLES.has(`${words[n - 3]} ${words[n - 2]} ${words[n - 1]}`)) return true;
  // Azure-style `fs.azure.account.key.<account>.blob.core.windows.net`.
  for (let i = 0; i + 1 < n; i++) if (words[i] === 'account' && words[i + 1] === 'key') return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Patterns, applied in order.

/** `Authorization: Bearer x`, `Proxy-Authorization=...`, `Cookie: a=b; c=d`: the scheme stays, the rest goes. */
const AUTH_HEADER =
  /\b((?:proxy-)?authori[sz]ation|(?:set-)?cookie)(\\?["']?[ \t]{0,4}[:=][ \t]{0,4}\\?["']?)(?:(bearer|basic|digest|negotiate|token|acs|sdk-hmac-sha256|hmac-sha256|aws4-hmac-sha256|oauth)[ \t]+)?[^\s"'\\]+(?:[ \t]+[^\s"'\\]+)*/gi;
/** `scheme://user:password@host` and `//token@host`: the whole userinfo goes. */
const URL_USERINFO = /(\/\/)[^\s/?#@"'<>]{1,256}@(?=[^\s/@])/g;
/** Oracle thin JDBC: `jdbc:oracle:thin:scott/tiger@host`. */
const ORACLE_THIN = /(jdbc:oracle:thin:)[^\s/@:]{1,128}\/[^\s@]{1,256}@/gi;
/** Chat webhook URLs whose path is the credential (Slack, Feishu/Lark). */
const WEBHOOK_PATH =
  /((?:hooks\.slack\.com\/(?:services|workflows|triggers)|open\.(?:feishu\.cn|larksuite\.com)\/open-apis\/bot\/v2\/hook)\/)[^\s"'<>?#]+/gi;
/** Query parameters that carry credentials in any URL (DingTalk access_token, WeCom key, presigned URLs). */
const QUERY_SECRET =
  /([?&](?:access_token|token|key|sign|signature|secret|api_?key|sig|x-amz-signature|x-amz-credential|x-amz-security-token|securitytoken|security_token|accesskeyid|access_key_id|x-obs-signature)=)[^\s&#"'<>]+/gi;
/** PEM private keys, up to their END line (or the end of the text when cut). */
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY( BLOCK)?-----/g;
/** XML configuration: `<name>fs.s3a.secret.key</name><value>x</value>`, `<password>x</password>`. */
const XML_NAME_VALUE = /(<name>\s{0,8}([\w.-]{1,128})\s{0,8}<\/name>\s{0,16}<value>)[^<]*(?=<\/value>)/gi;
const XML_ELEMENT = /(<([\w.-]{1,64})>)[^<]+(?=<\/\2>)/g;
/**
 * `key=value`, `key: value`, `"key":"value"`, `\"key\":\"value\"`, `--key=value`, `-Dkey=value`: the key
 * is a bounded token not inside a longer one; the value runs to its closing quote (or the next delimiter).
 */
const KEY_SEP =
  /(?<![\w.$-])((?:--?)?[A-Za-z_][\w.-]{0,79})(\\?["']?[ \t]{0,4}(?:=>?|:(?!\/\/|:))[ \t]{0,4})/g;
/** The value after a credential key, read only then (sticky at the end of the separator). */
const KEYED_VALUE = /\\"[^"\n]*"?|"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|[^\s"',;&)}\]<>|]+/y;
/** Chinese vendor text: `密码：x`, `密钥=x`, `令牌: x` (full-width or ASCII separators). */
const CJK_KEYED = /((?:密码|口令|密钥|秘钥|私钥|令牌|凭证)[ \t]{0,4}[:：=][ \t]{0,4})[^\s，。；、,;"'<>]+/g;
/** `--password x`, `--secret-key "x y"`: a credential flag followed by its value. */
const FLAG_VALUE = /(?<![\w-])(--[A-Za-z][\w.-]{0,63})([ \t]+)("[^"\n]*"?|'[^'\n]*'?|[^\s"'-][^\s"']*)/g;
/** `mysql -u root -psecret`, `beeline -n etl -p secret`: `-p` after a user flag is a password. */
const USER_THEN_P =
  /((?:^|\s)-[un][ \t]?[^\s-][^\s]{0,127}[ \t]+-p)([ \t]?)(?!-)([^\s"']+|"[^"\n]*"?|'[^'\n]*'?)/g;
/** `curl -u user:password`, `--user user:password` (not `beeline -u jdbc:hive2://...`). */
const CURL_USER = /((?:^|\s)(?:-u|--user)[ \t]+)(?![^\s]{0,256}:\/\/)[^\s:"']{1,128}:[^\s"']+/g;
/** Access key ids (AWS, Alibaba), and the secret when it follows right after (`AKIA… wJalr…`). */
const AWS_KEY_ID =
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b(?:([\s:,;=/|"'\\]{1,8})[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=]))?/g;
const ALIBABA_KEY_ID = /\bLTAI[0-9A-Za-z]{12,30}\b(?:([\s:,;=/|"'\\]{1,8})[A-Za-z0-9]{30}(?![A-Za-z0-9]))?/g;
/** Alibaba STS AccessKey ids. */
const STS_KEY_ID = /\bSTS\.[0-9A-Za-z]{16,40}\b/g;
/** Bearer tokens and Basic credentials outside a header; well-known token formats. */
const BEARER = /\b(bearer[ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;
const BASIC = /\b(basic[ \t]+)([A-Za-z0-9+/]{8,}={0,2})(?![\w+/=])/gi;
const KNOWN_TOKENS =
  /\b(?:eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|xox[abposr]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35}|sk_live_[0-9A-Za-z]{16,})/g;

function quoteKept(value: string): boolean {
  const inner = value.replace(/^\\?["']|\\?["']$/g, '');
  return inner === '' || NOT_A_SECRET.test(inner) || inner.startsWith('<');
}

/** True when a Basic credential decodes to `user:password`. */
function looksLikeBasicCredential(encoded: string): boolean {
  const decoded = Buffer.from(encoded, 'base64').toString('latin1');
  return /^[\x20-\x7e]{1,256}:[\x20-\x7e]*$/.test(decoded);
}

/** A bearer token has a digit or a token punctuation mark (`Bearer authentication failed` keeps its words). */
function looksLikeToken(token: string): boolean {
  return /[0-9._~+/=-]/.test(token);
}

function keyIdAndSecret(_m: string, separator?: string): string {
  return separator === undefined ? REDACTED : `${REDACTED}${separator}${REDACTED}`;
}

/**
 * Credential pairs, left to right. The value is read only after a key that names a credential, so a
 * harmless key never swallows a pair inside its value (`exception: password=x`) and nothing is read twice.
 */
function scrubKeyed(text: string): string {
  let out = '';
  let from = 0;
  KEY_SEP.lastIndex = 0;
  for (let match = KEY_SEP.exec(text); match; match = KEY_SEP.exec(text)) {
    const [, key = ''] = match;
    if (!isSecretKey(key)) continue;
    // `credentials: secret reference env:X is not set` is prose; `credentials=x` and `"credentials":` are not.
    if (PROSE_KEY.test(key) && !/[="']/.test(match[2] ?? '')) continue;
    KEYED_VALUE.lastIndex = KEY_SEP.lastIndex;
    const value = KEYED_VALUE.exec(text)?.[0];
    if (value === undefined || quoteKept(value)) continue;
    out += `${text.slice(from, KEY_SEP.lastIndex)}${REDACTED}`;
    from = KEY_SEP.lastIndex + value.length;
    KEY_SEP.lastIndex = from;
  }
  return from === 0 ? text : out + text.slice(from);
}

function scrubPem(text: string): string {
  PEM_BEGIN.lastIndex = 0;
  let out = '';
  let from = 0;
  for (;;) {
    PEM_BEGIN.lastIndex = from;
    const begin = PEM_BEGIN.exec(text);
    if (!begin) break;
    PEM_END.lastIndex = begin.index + begin[0].length;
    const end = PEM_END.exec(text);
    out += `${text.slice(from, begin.index)}${REDACTED}`;
    from = end ? end.index + end[0].length : text.length;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Input beyond the cap is cut, and the token the cut split is dropped (it may be half a secret). */
function capped(text: string): string {
  if (text.length <= MAX_SCRUB_INPUT_CHARS) return text;
  const cut = text.slice(0, MAX_SCRUB_INPUT_CHARS);
  const lastSpace = cut.search(/\s\S*$/);
  return `${lastSpace > 0 ? cut.slice(0, lastSpace) : ''} …`;
}

/** Replaces every credential-looking fragment of vendor text with `<redacted>`; the rest stays as it was. */
export function scrubSecrets(input: string): string {
  let text = capped(input);
  text = scrubPem(text);
  text = text.replace(AUTH_HEADER, (_m, name: string, sep: string, scheme?: string) =>
    scheme ? `${name}${sep}${scheme} ${REDACTED}` : `${name}${sep}${REDACTED}`,
  );
  text = text
    .replace(ORACLE_THIN, `$1${REDACTED}@`)
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(WEBHOOK_PATH, `$1${REDACTED}`)
    .replace(QUERY_SECRET, `$1${REDACTED}`);
  text = text
    .replace(XML_NAME_VALUE, (m, head: string, key: string) => (isSecretKey(key) ? `${head}${REDACTED}` : m))
    .replace(XML_ELEMENT, (m, head: string, key: string) => (isSecretKey(key) ? `${head}${REDACTED}` : m));
  text = scrubKeyed(text);
  text = text.replace(CJK_KEYED, `$1${REDACTED}`);
  text = text
    .replace(FLAG_VALUE, (m, flag: string, space: string, value: string) =>
      isSecretKey(flag) && !quoteKept(value) ? `${flag}${space}${REDACTED}` : m,
    )
    .replace(USER_THEN_P, `$1$2${REDACTED}`)
    .replace(CURL_USER, `$1${REDACTED}`);
  text = text
    .replace(AWS_KEY_ID, keyIdAndSecret)
    .replace(ALIBABA_KEY_ID, keyIdAndSecret)
    .replace(STS_KEY_ID, REDACTED)
    .replace(BEARER, (m, head: string, token: string) => (looksLikeToken(token) ? `${head}${REDACTED}` : m))
    .replace(BASIC, (m, head: string, encoded: string) =>
      looksLikeBasicCredential(encoded) ? `${head}${REDACTED}` : m,
    )
    .replace(KNOWN_TOKENS, REDACTED);
  return text;
}

/**
 * Vendor text as it enters jobwatch: scrubbed first (so a cut cannot leave half a secret behind), then
 * single-spaced and trimmed to `max` characters.
 */
export function cleanVendorText(text: string | null | undefined, max = 500): string | undefined {
  return text ? trimText(scrubSecrets(text), max) : undefined;
}
