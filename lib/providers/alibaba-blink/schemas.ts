/**
 * zod schemas of the foas (Realtime Compute, 2018-11-11) responses jobwatch reads. Source: the vendor manual
 * (shared/seeds/004_*.txt) and its digest (shared/reference/alibaba-realtime-compute.md).
 *
 * The manual's tables are PascalCase while several examples are camelCase (GetJob, GetInstanceMetric,
 * ModifyInstanceState), numbers may arrive as strings, and lists are wrapped XML-style
 * (`"Jobs": {"Job": [...]}`). Every object schema here matches keys case-insensitively, coerces numbers and
 * booleans, and accepts both list shapes. Objects are stripped to the declared keys: job code, SQL, plan
 * JSON, properties and runtime config (which carry credentials) never get past parsing.
 */
import { z } from 'zod';
import { absent, looseBooleanField, looseNumberField, looseStringField } from '../fields.js';

/** Re-keys an object onto the schema's own key spelling, ignoring case. */
function caseInsensitive<T extends z.ZodRawShape>(shape: T) {
  const canonical = new Map(Object.keys(shape).map((key) => [key.toLowerCase(), key]));
  return z.preprocess((value) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      const target = canonical.get(key.toLowerCase());
      if (target !== undefined && out[target] === undefined) out[target] = inner;
    }
    return out;
  }, z.object(shape));
}

const num = looseNumberField;
const bool = looseBooleanField;
const str = looseStringField;

/** `[...]`, `{"<Singular>": [...]}`, `{"<Singular>": {...}}` (one item) or absent (none). */
function wrappedList<T extends z.ZodType>(item: T, singular: string) {
  return z.preprocess((value) => (value === undefined ? [] : value), listedItems(item, singular));
}

/**
 * A listing's page: like `wrappedList`, but the field itself is required. An answer without it (`{}`, an
 * empty body, schema drift) is an invalid response, never an empty fleet; null, "" or an empty wrapper is
 * an empty page, and only the reported total says whether that means no jobs (lib/providers/paging.ts).
 */
function listingPage<T extends z.ZodType>(item: T, singular: string) {
  return z
    .custom<unknown>((value) => value !== undefined, { message: 'the list field is missing' })
    .pipe(listedItems(item, singular));
}

function listedItems<T extends z.ZodType>(item: T, singular: string) {
  return z.preprocess((value) => {
    if (absent(value)) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'object') {
      const entry = Object.entries(value as Record<string, unknown>).find(
        ([key]) => key.toLowerCase() === singular.toLowerCase(),
      );
      if (!entry || absent(entry[1])) return [];
      return Array.isArray(entry[1]) ? entry[1] : [entry[1]];
    }
    return value;
  }, z.array(item));
}

const paging = {
  PageIndex: num,
  PageSize: num,
  TotalCount: num,
  TotalPage: num,
};

/**
 * The POP gateway's error envelope (the only concrete example in the manual, L4186-4202):
 * ```json
 * {"RequestId":"6C799EEF-1DD8-4C55-961C-3B9D55A87AE6","Message":"Specified parameter instanceId is not valid.",
 *  "Recommend":"https://error-center.aliyun.com/status/search?Keyword=InvalidinstanceId&source=PopGw",
 *  "HostId":"foas.cn-shanghai.aliyuncs.com","Code":"InvalidinstanceId"}
 * ```
 */
export const errorEnvelopeSchema = caseInsensitive({
  Code: str,
  Message: str,
  RequestId: str,
  HostId: str,
  /** pop-core also reads these spellings. */
  ErrorCode: str,
  ErrorMsg: str,
});

/** What ListJob and ListInstance say of a job: its name, its kind and where it runs. */
const jobFields = {
  JobName: z.string().min(1),
  JobType: str,
  ApiType: str,
  EngineVersion: str,
  ClusterId: str,
  QueueName: str,
};

/** What a run summary and an instance say of a run: its id, its states and its last error. */
const runFields = {
  Id: num,
  ActualState: str,
  ExpectState: str,
  InputDelay: num,
  LastErrorMessage: str,
  LastErrorTime: num,
};

/**
 * A job of ListJob (`GET /api/v2/projects/{projectName}/jobs`), shape as in GetRefPackageJob's example:
 * ```json
 * {"JobName":"job1","ProjectName":"bayes_team","JobType":"FLINK_STREAM","ApiType":"DATASTREAM","IsCommitted":true,
 *  "EngineVersion":"blink-3.4.4","ClusterId":"et2cloud****","QueueName":"root.bayes_team","FolderId":10148,
 *  "JobId":"9t9m6jfw8rb44iexhbpv3tnz","Code":"<dropped>","Properties":"<dropped>","PlanJson":"<dropped>"}
 * ```
 */
export const jobSchema = caseInsensitive({ ...jobFields, IsCommitted: bool, JobId: str });
export type VendorJob = z.infer<typeof jobSchema>;

/**
 * ListJob response: `{"TotalCount":1,"TotalPage":1,"PageSize":10,"PageIndex":1,"RequestId":"31FD…","Jobs":{"Job":[…]}}`.
 */
export const listJobResponseSchema = caseInsensitive({
  RequestId: str,
  Jobs: listingPage(jobSchema, 'Job'),
  ...paging,
});

/**
 * One `RunSummary` (BatchGetInstanceRunSummary, GetInstanceRunSummary):
 * ```json
 * {"ActualState":"RUNNING","EngineJobHandler":"application_1561366511517_113805|a10928cec91de395ff3d7593f7ff46c5",
 *  "ExpectState":"RUNNING","JobName":"ss2","Id":214650,"InputDelay":0}
 * ```
 */
export const runSummarySchema = caseInsensitive({ JobName: str, ...runFields, EngineJobHandler: str });
export type VendorRunSummary = z.infer<typeof runSummarySchema>;

/** `{"RequestId":"1CA9…","RunSummarys":{"RunSummary":[{…}]}}` */
export const batchRunSummaryResponseSchema = caseInsensitive({
  RequestId: str,
  RunSummarys: wrappedList(runSummarySchema, 'RunSummary'),
});

/** `{"RequestId":"0B3B…","RunSummary":{"ActualState":"RUNNING","ExpectState":"RUNNING","JobName":"job1","Id":214650,"InputDelay":0}}` */
export const runSummaryResponseSchema = caseInsensitive({
  RequestId: str,
  RunSummary: runSummarySchema.optional(),
});

/**
 * An instance of ListInstance (`GET /api/v2/projects/{projectName}/instances?jobType=FLINK_BATCH`):
 * ```json
 * {"ExpectState":"RUNNING","ActualState":"RUNNING","EngineVersion":"blink-3.5.0-hotfix","ProjectName":"project1",
 *  "ClusterId":"et2cloud****","JobName":"job1","JobType":"FLINK_STREAM","ApiType":"SQL","Id":589016,
 *  "StartTime":1612336822000,"LastOperateTime":1612336822000,"QueueName":"root.bayes_team","InputDelay":0,
 *  "Code":"<dropped>","PlanJson":"<dropped>","Properties":"<dropped>"}
 * ```
 */
export const instanceSchema = caseInsensitive({
  ...jobFields,
  ...runFields,
  StartTime: num,
  EndTime: num,
  LastOperateTime: num,
});
export type VendorInstance = z.infer<typeof instanceSchema>;

/** `{"Instances":{"Instance":[…]},"TotalCount":15,"RequestId":"33DB…","PageSize":10,"TotalPage":2,"PageIndex":1}` */
export const listInstanceResponseSchema = caseInsensitive({
  RequestId: str,
  Instances: listingPage(instanceSchema, 'Instance'),
  ...paging,
});

/**
 * GetInstanceCheckpoint: `{"RequestId":"A062…","Checkpoints":"{\"counts\":{…},\"latest\":{…},\"history\":[…]}"}`.
 * `Checkpoints` is a JSON string (some gateways may decode it; both are accepted).
 */
export const checkpointResponseSchema = caseInsensitive({
  RequestId: str,
  Checkpoints: z.union([z.string(), z.record(z.string(), z.unknown()), z.null()]).optional(),
});

const checkpointEntrySchema = z.object({
  '@class': z.string().optional(),
  id: num,
  status: str,
  is_savepoint: bool,
  trigger_timestamp: num,
  latest_ack_timestamp: num,
  end_to_end_duration: num,
  /** Flink REST adds these on failed entries (not shown in the manual). */
  failure_timestamp: num,
  failure_message: z.string().nullable().optional(),
});
export type VendorCheckpointEntry = z.infer<typeof checkpointEntrySchema>;

/**
 * The decoded `Checkpoints` document (Flink "checkpointing statistics"):
 * ```json
 * {"counts":{"restored":1,"total":61440,"in_progress":0,"completed":61440,"failed":0},
 *  "latest":{"completed":{"@class":"completed","id":61440,"status":"COMPLETED","trigger_timestamp":1610505450869,
 *    "latest_ack_timestamp":1610505450883,"end_to_end_duration":14},"savepoint":null,"failed":null,"restored":{…}},
 *  "history":[{"@class":"completed","id":61440,"status":"COMPLETED",…}]}
 * ```
 */
export const checkpointsDocSchema = z.object({
  counts: z
    .object({ restored: num, total: num, in_progress: num, completed: num, failed: num })
    .nullable()
    .optional(),
  latest: z
    .object({
      completed: checkpointEntrySchema.nullable().optional(),
      failed: checkpointEntrySchema.nullable().optional(),
    })
    .nullable()
    .optional(),
  history: z.array(checkpointEntrySchema).nullable().optional(),
});
export type VendorCheckpointsDoc = z.infer<typeof checkpointsDocSchema>;

/** GetInstanceExceptions: `{"RequestId":"9738…","Exceptions":"{\"root-exception\":null,\"timestamp\":null,\"all-exceptions\":[],\"truncated\":false}"}` */
export const exceptionsResponseSchema = caseInsensitive({
  RequestId: str,
  Exceptions: z.union([z.string(), z.record(z.string(), z.unknown()), z.null()]).optional(),
});

/**
 * The decoded `Exceptions` document (Flink `JobExceptionsInfo`; the manual only shows the empty one). Items:
 * `{"exception":"<stack trace>","task":"Sink (3/8)","location":"host:port","timestamp":1610505450869}`.
 */
export const exceptionsDocSchema = z.object({
  'root-exception': z.string().nullable().optional(),
  timestamp: num,
  'all-exceptions': z
    .array(
      z.object({
        exception: z.string().nullable().optional(),
        task: z.string().nullable().optional(),
        timestamp: num,
      }),
    )
    .nullable()
    .optional(),
  truncated: bool,
});
export type VendorExceptionsDoc = z.infer<typeof exceptionsDocSchema>;

/**
 * GetInstanceMetric (example as printed, camelCase, bare array; the tables say `Metrics`/`MetricName`/`Dps`):
 * ```json
 * {"requestId":"4D7A…","metrics":[{"metricName":"blink.bayes_team.ss2.delay",
 *   "dps":{"1574247000":"4.929E+8","1574247600":"4.9350016E+8"},"summary":494400448,"tags":{}}]}
 * ```
 * `dps` keys are epoch seconds; values are strings or numbers.
 */
export const metricSchema = caseInsensitive({
  MetricName: z.string(),
  Dps: z.record(z.string(), z.unknown()).nullable().optional(),
  Summary: num,
});
export const metricResponseSchema = caseInsensitive({
  RequestId: str,
  Metrics: wrappedList(metricSchema, 'Metric'),
});

/** GetInstanceFinalState: `{"RequestId":"3F4A…","Finalstate":"RUNNING"}` (the printed example has only `requestId`). */
export const finalStateResponseSchema = caseInsensitive({
  RequestId: str,
  Finalstate: str,
});

/** StartJob: `{"instanceId":415854,"RequestId":"5313EF6E-6E3F-45DB-8E33-20DA279D8F3F"}` */
export const startJobResponseSchema = caseInsensitive({
  RequestId: str,
  InstanceId: num,
});

/** ModifyInstanceState: `{"requestId":"EA0059FA-FD69-4A83-B216-6B36B03129A7"}` */
export const modifyStateResponseSchema = caseInsensitive({
  RequestId: str,
});
