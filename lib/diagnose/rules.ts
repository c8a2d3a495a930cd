/**
 * The classification table. Within one cause of an exception chain the first matching rule wins, so rules
 * are ordered from the most specific symptom to the most generic. Every pattern is a plain alternation of
 * literals with bounded gaps (`[^\n]{0,N}`): no nested quantifiers, nothing that can backtrack
 * catastrophically, so matching stays linear in the input.
 */
import type { DiagnosisCategory } from './types.js';

export interface DiagnosisRule {
  id: string;
  category: DiagnosisCategory;
  pattern: RegExp;
  /** The first words of the summary; the matched cause follows it. */
  what: string;
  hint: string;
}

const HINTS = {
  heap: 'Raise the TaskManager/executor heap (or parallelism), and look for state or records that grow without bound.',
  metaspace:
    'Raise the metaspace size; a growing metaspace across restarts points to a class loader leak in the job jar.',
  container:
    'The process used more memory than its container allows: raise memory overhead / managed memory or lower per-slot state.',
  checkpoint:
    'Check checkpoint duration against its timeout, backpressure and state size, and that the state backend storage is reachable.',
  missing:
    'Check that the table, topic, LogStore, bucket or path the job reads or writes exists and is spelled right (per region and project).',
  auth: 'Check the credentials, token expiry, Kerberos/SASL settings and the permissions (RAM/IAM/ACL) of the job on the resource.',
  network:
    'Check that the endpoint is up and reachable from the job network (VPC, security group, whitelist, DNS), then its load.',
  dependency:
    'A class or method is missing at run time: a jar conflict or a missing connector. Check the job jar against the engine version.',
  serialization:
    'A record or schema does not match what the job expects: check the upstream schema, the format options and for bad records.',
  resources:
    'The queue, cluster or quota has no room: scale the queue/cluster, lower parallelism, or wait for other jobs to free resources.',
  restart:
    'The restart strategy gave up: find the first failure of the loop below and fix it before restarting.',
  userCode: "The job's own code threw: see the top frames of the root cause and the input that reached them.",
  sql: 'The SQL does not parse or validate: check it against the engine version and the tables it names.',
} as const;

export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  // -- out of memory -------------------------------------------------------------------------------------
  {
    id: 'oom-heap',
    category: 'out-of-memory',
    pattern: /OutOfMemoryError:? ?Java heap space|Java heap space/i,
    what: 'Java heap exhausted',
    hint: HINTS.heap,
  },
  {
    id: 'oom-gc',
    category: 'out-of-memory',
    pattern: /GC overhead limit exceeded/i,
    what: 'GC overhead limit exceeded',
    hint: HINTS.heap,
  },
  {
    id: 'oom-metaspace',
    category: 'out-of-memory',
    pattern: /OutOfMemoryError:? ?Metaspace|Metaspace\b[^\n]{0,40}\bout of memory/i,
    what: 'Metaspace exhausted',
    hint: HINTS.metaspace,
  },
  {
    id: 'oom-direct',
    category: 'out-of-memory',
    pattern: /Direct buffer memory|OutOfMemoryError/i,
    what: 'Out of memory',
    hint: HINTS.heap,
  },
  {
    id: 'oom-container',
    category: 'out-of-memory',
    pattern:
      /beyond (?:the )?(?:physical|virtual) memory limit|exceeding memory limits|exceed(?:ed|s)? (?:the )?memory limit|Container killed[^\n]{0,60}memory|exit(?:ed with)? ?code:? ?(?:137|-104)\b|OOMKilled|内存溢出|内存不足|内存超/i,
    what: 'Container killed for exceeding memory',
    hint: HINTS.container,
  },
  // -- dependency ----------------------------------------------------------------------------------------
  {
    id: 'dependency-class',
    category: 'dependency',
    pattern:
      /ClassNotFoundException|NoClassDefFoundError|NoSuchMethodError|NoSuchFieldError|AbstractMethodError|IncompatibleClassChangeError|UnsatisfiedLinkError|\bLinkageError|Could not find any factor(?:y|ies) for identifier|Could not find a suitable table factory|类找不到|找不到类/i,
    what: 'Missing or conflicting class',
    hint: HINTS.dependency,
  },
  // -- auth ----------------------------------------------------------------------------------------------
  {
    id: 'auth',
    category: 'auth',
    pattern:
      /AccessDenied|Access denied|AccessControlException|Permission denied|permission check failed|Not authorized|Unauthorized|\b403 Forbidden|Forbidden\.RAM|SaslAuthenticationException|Authentication failed|AuthenticationException|AuthorizationException|GSSException|KrbException|Kerberos|LoginException|SignatureDoesNotMatch|signature (?:fail|mismatch|does not match)|InvalidAccessKeyId|(?:token|credential)s?[^\n]{0,30}(?:expired|is invalid|invalid)|expired (?:token|credential)|X-Auth-Token is not defined|Token info for token is null|DLI\.00(?:03|11|13|14|15|16)\b|权限不足|没有权限|无权限|认证失败|鉴权失败|签名(?:错误|不匹配|校验失败)|令牌已?过期|Token已?过期/i,
    what: 'Access denied',
    hint: HINTS.auth,
  },
  // -- source or sink missing (specific names) -----------------------------------------------------------
  {
    id: 'missing-object',
    category: 'source-sink-missing',
    pattern:
      /Table or view not found|Table not found|TableNotFoundException|NoSuchTableException|Table '[^'\n]{1,200}' (?:was )?not found|Object '[^'\n]{1,200}' not found|Database '[^'\n]{1,200}' not found|UnknownTopicOrPartition|not present in metadata|TopicNotExist|NoSuchTopic|LogStoreNotExist|LogStore [^\n]{1,200} does not exist|ProjectNotExist|NoSuchBucket|bucket does not exist|Input path does not exist|Path does not exist|FileNotFoundException|No such file or directory|ResourceNotFoundException|(?:表|主题|Topic|LogStore|路径|文件|桶)[^\n]{0,60}不存在/i,
    what: 'Source or sink does not exist',
    hint: HINTS.missing,
  },
  // -- checkpoint ----------------------------------------------------------------------------------------
  {
    id: 'checkpoint',
    category: 'checkpoint',
    pattern:
      /Checkpoint expired before completing|Checkpoint was declined|checkpoint tolerable failure threshold|CheckpointException|Checkpoint [^\n]{0,60}(?:expired|timed out|timeout|declined|failed)|Failure to finalize checkpoint|Could not complete snapshot|Too many (?:failed|ongoing) checkpoints|(?:检查点|Checkpoint|快照)[^\n]{0,20}(?:失败|超时|过期)/i,
    what: 'Checkpoint failure',
    hint: HINTS.checkpoint,
  },
  // -- serialization -------------------------------------------------------------------------------------
  {
    id: 'serialization',
    category: 'serialization',
    pattern:
      /SerializationException|Failed to (?:de)?serialize|Could not (?:de)?serialize|(?:de)?serialization (?:failed|error|schema)|JsonParseException|JsonMappingException|MismatchedInputException|InvalidProtocolBufferException|AvroRuntimeException|AvroTypeException|SchemaParseException|KryoException|Unknown magic byte|Malformed (?:record|records|JSON|CSV|row)|Failed to parse (?:JSON|record|row|the record)|Corrupt(?:ed)? record|NumberFormatException|DateTimeParseException|DLI\.0018\b|Data conversion error|(?:反)?序列化(?:失败|异常|错误)|数据转换(?:失败|错误|异常)|解析(?:失败|错误|异常)|脏数据/i,
    what: 'Bad record or schema mismatch',
    hint: HINTS.serialization,
  },
  // -- resources -----------------------------------------------------------------------------------------
  {
    id: 'resources',
    category: 'resources',
    pattern:
      /NoResourceAvailableException|Could not acquire the minimum required resources|Slot request bulk is not fulfillable|not enough (?:free )?(?:slots|resources)|Insufficient (?:resources|CU|quota)|resources? (?:are|is) insufficient|insufficient (?:queue )?(?:resources|CUs?)|Quota ?exceeded|exceeds? (?:the )?quota|quota (?:of [^\n]{1,80} )?is exceeded|DLI\.(?:1028|0009)\b|System limit|No space left on device|maximum-am-resource-percent|Max(?:imum)? number of (?:running )?applications|资源不足|CU不足|配额不足|超过配额|超出配额|队列资源/i,
    what: 'Not enough resources',
    hint: HINTS.resources,
  },
  // -- network -------------------------------------------------------------------------------------------
  {
    id: 'network',
    category: 'network',
    pattern:
      /Connection reset|Connection refused|ConnectException|Connect(?:ion)? timed out|Read timed out|SocketTimeoutException|SocketException|UnknownHostException|NoRouteToHostException|No route to host|Network is unreachable|Broken pipe|Connection unexpectedly closed|Connection closed by peer|Timed out waiting for a node assignment|Heartbeat of TaskManager[^\n]{0,120}timed out|connection (?:to|with) [^\n]{1,120} (?:failed|lost|timed out)|连接[^\n]{0,20}(?:超时|被拒绝|失败|中断|重置)|网络(?:不可达|异常|超时)/i,
    what: 'Network failure',
    hint: HINTS.network,
  },
  // -- restart strategy exhausted ------------------------------------------------------------------------
  {
    id: 'restart-exhausted',
    category: 'restart-exhausted',
    pattern:
      /Recovery is suppressed by|RestartBackoffTimeStrategy|restart strategy|exhausted (?:all )?(?:its )?restart|maximum number of (?:restart|retry|attempt)s?|max(?:imum)? (?:restart|retry) (?:attempts|times)|failed \d{1,4} times due to AM Container|failed \d{1,4} times, most recent failure|Task [^\n]{1,80} failed \d{1,4} times|too many (?:failovers|restarts)|重启次数|超过最大重启|重试次数(?:已)?(?:用尽|超过)/i,
    what: 'Restart strategy gave up',
    hint: HINTS.restart,
  },
  // -- generic "does not exist", after the specific rules above -------------------------------------------
  {
    id: 'missing-generic',
    category: 'source-sink-missing',
    pattern:
      /\bdoes not exist|\bnot exist\b|There is no (?:table|database|topic|queue) named|DLI\.0002\b|DLI\.0023\b|不存在/i,
    what: 'Source or sink does not exist',
    hint: HINTS.missing,
  },
  // -- the job's own SQL ---------------------------------------------------------------------------------
  {
    id: 'user-sql',
    category: 'user-code',
    pattern:
      /ParseException|SqlParserException|SQL parse failed|SqlValidateException|ValidationException|SemanticException|AnalysisException|mismatched input|DLI\.000[45]\b|SQL (?:syntax|semantic)|语法错误|语义错误/i,
    what: 'SQL error in the job',
    hint: HINTS.sql,
  },
];

/** Packages that belong to engines, the JDK and common libraries: an exception thrown there is not user code. */
export const FRAMEWORK_PACKAGES: readonly string[] = [
  'java.',
  'javax.',
  'jdk.',
  'sun.',
  'com.sun.',
  'scala.',
  'kotlin.',
  'org.apache.',
  'akka.',
  'io.netty.',
  'io.grpc.',
  'com.google.',
  'com.fasterxml.',
  'com.esotericsoftware.',
  'org.slf4j.',
  'org.codehaus.',
  'org.xerial.',
  'com.alibaba.blink.',
  'com.alibaba.flink.',
  'com.alibaba.ververica.',
  'com.ververica.',
  'com.aliyun.',
  'com.huawei.',
  'com.huaweicloud.',
  'com.obs.',
  'com.amazonaws.',
  'software.amazon.',
  'py4j.',
  'pyspark.',
  'shaded.',
];

export const USER_CODE = {
  id: 'user-code',
  what: 'Exception in the job code',
  hint: HINTS.userCode,
} as const;
