/**
 * Real-looking error texts, as vendors return them: Flink/Blink root exceptions, Spark and Hive driver
 * errors, DLI `status_desc` and error codes, MRS job messages, in English and Chinese. Each is the
 * category a person on call would give it.
 */
import type { DiagnosisCategory } from '../../lib/diagnose/index.js';

export const TRACES: Record<Exclude<DiagnosisCategory, 'unknown'>, string[]> = {
  'out-of-memory': [
    `java.lang.OutOfMemoryError: Java heap space
\tat java.util.Arrays.copyOf(Arrays.java:3236)
\tat org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.put(CopyOnWriteStateMap.java:310)`,
    `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)
\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)
Caused by: java.lang.OutOfMemoryError: GC overhead limit exceeded
\tat java.util.HashMap.resize(HashMap.java:704)`,
    `java.lang.OutOfMemoryError: Metaspace. The metaspace out-of-memory error has occurred. This can mean two things: either the job requires a larger size of JVM metaspace to load classes or there is a class loading leak.`,
    'Application application_1701234567890_0042 failed 2 times due to AM Container for appattempt_1701234567890_0042_000002 exited with exitCode: -104. Container [pid=31337,containerID=container_e05_1701234567890_0042_02_000001] is running beyond physical memory limits. Current usage: 4.5 GB of 4 GB physical memory used; 6.3 GB of 8.4 GB virtual memory used. Killing container.',
    'org.apache.spark.SparkException: Job aborted due to stage failure: Task 7 in stage 3.0 failed 4 times, most recent failure: Lost task 7.3 in stage 3.0 (TID 91, node-12, executor 4): ExecutorLostFailure (executor 4 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding memory limits. 11.2 GB of 11 GB physical memory used. Consider boosting spark.yarn.executor.memoryOverhead.',
    'Caused by: java.lang.OutOfMemoryError: Direct buffer memory at java.nio.Bits.reserveMemory(Bits.java:694) at io.netty.buffer.PoolArena$DirectArena.allocateDirect(PoolArena.java:758)',
    '作业运行失败：TaskManager 内存不足，容器被终止（exit code 137）',
  ],
  checkpoint: [
    `org.apache.flink.util.FlinkRuntimeException: Exceeded checkpoint tolerable failure threshold.
\tat org.apache.flink.runtime.checkpoint.CheckpointFailureManager.handleCheckpointException(CheckpointFailureManager.java:98)
\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator.abortPendingCheckpoint(CheckpointCoordinator.java:1930)`,
    'Checkpoint expired before completing.',
    `org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint 1842 of job 5c3f2a1b9e8d7c6b5a4f3e2d1c0b9a8f expired before completing.
\tat org.apache.flink.runtime.checkpoint.CheckpointCoordinator$CheckpointCanceller.run(CheckpointCoordinator.java:2132)`,
    `org.apache.flink.runtime.checkpoint.CheckpointException: Could not complete snapshot 57 for operator Sink: kafka_sink (2/4)#0. Failure reason: Checkpoint was declined.
\tat org.apache.flink.streaming.runtime.tasks.SubtaskCheckpointCoordinatorImpl.checkpointState(SubtaskCheckpointCoordinatorImpl.java:265)`,
    'Flink作业检查点失败：Checkpoint 超时，连续失败次数超过容忍阈值',
    'Task did not finish: Too many ongoing checkpoints; Checkpoint 311 timed out after 600000 ms',
  ],
  'source-sink-missing': [
    `org.apache.spark.sql.AnalysisException: Table or view not found: ods.payments_raw; line 1 pos 14;
'Project [*]
+- 'UnresolvedRelation [ods, payments_raw]`,
    "FAILED: SemanticException [Error 10001]: Line 3:5 Table not found 'dwd_orders'",
    `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy
Caused by: org.apache.kafka.common.errors.TimeoutException: Topic payments-events not present in metadata after 60000 ms.`,
    'com.aliyun.openservices.log.exception.LogException: LogStore ods_click_log does not exist ErrorCode: LogStoreNotExist RequestId: 65F2A1B3C4D5E6F708192A3B',
    'org.apache.hadoop.mapreduce.lib.input.InvalidInputException: Input path does not exist: obs://dw-prod/warehouse/ods/orders/dt=2026-12-04',
    'DLI.0002: There is no table named orders_agg in database dw',
    'com.obs.services.exception.ObsException: Error message:Request Error.OBS servcie Error Message. -- ResponseCode: 404, ResponseStatus: Not Found, XML Error Message: <Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>',
    '源表 ods.user_events 不存在',
  ],
  auth: [
    'org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
    `org.apache.hadoop.security.AccessControlException: Permission denied: user=dli_job, access=WRITE, inode="/warehouse/dwd":hive:hive:drwxr-xr-x
\tat org.apache.hadoop.hdfs.server.namenode.FSPermissionChecker.check(FSPermissionChecker.java:399)`,
    `java.io.IOException: Login failure for hive/node-1@HADOOP.COM from keytab /opt/user.keytab
Caused by: javax.security.auth.login.LoginException: Checksum failed
Caused by: KrbException: Checksum failed`,
    'DLI.0003: SQL permission check failed: user dw_reader has no INSERT_INTO_TABLE privilege on table dw.orders',
    'ErrorCode: SignatureDoesNotMatch, ErrorMessage: Specified signature is not matched with our calculation.',
    'DLI.0013: X-Auth-Token is not defined in request. It is mandatory. Please define and send the request.',
    'com.aliyun.datahub.client.exception.AuthorizationFailureException: The token has expired, please refresh STS credentials',
    '写入失败：当前用户没有权限访问该 OBS 桶',
  ],
  network: [
    `java.net.ConnectException: Connection refused (Connection refused)
\tat java.net.PlainSocketImpl.socketConnect(Native Method)
\tat com.mysql.cj.protocol.StandardSocketFactory.connect(StandardSocketFactory.java:156)`,
    `org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException: Lost connection to task manager '10.0.3.17/10.0.3.17:43019'.
Caused by: org.apache.flink.shaded.netty4.io.netty.channel.unix.Errors$NativeIoException: readAddress(..) failed: Connection reset by peer`,
    'com.aliyun.datahub.client.exception.DatahubClientException: java.net.SocketTimeoutException: Read timed out (DataHub endpoint https://dh-cn-hangzhou.aliyuncs.com)',
    'java.net.UnknownHostException: kafka-broker-3.internal: Name or service not known',
    'org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: describeTopics',
    'java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id container_e12_1700000000000_0007_01_000003 timed out.',
    '连接 RDS 实例超时，请检查网络配置',
  ],
  dependency: [
    `java.lang.ClassNotFoundException: org.apache.flink.connector.kafka.source.KafkaSource
\tat java.net.URLClassLoader.findClass(URLClassLoader.java:387)`,
    `java.lang.NoSuchMethodError: com.google.common.base.Preconditions.checkArgument(ZLjava/lang/String;Ljava/lang/Object;)V
\tat org.apache.hadoop.conf.Configuration.set(Configuration.java:1357)`,
    'java.lang.NoClassDefFoundError: org/apache/hadoop/hive/conf/HiveConf',
    "org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'hudi' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.",
    `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy
Caused by: org.apache.flink.streaming.runtime.tasks.StreamTaskException: Cannot instantiate user function.
Caused by: java.lang.ClassNotFoundException: com.acme.payments.EnrichFunction`,
    'java.lang.AbstractMethodError: Receiver class com.acme.udf.MaskUdf does not define or inherit an implementation of the resolved method eval',
  ],
  serialization: [
    `java.io.IOException: Failed to deserialize JSON '{"id":17,"amount":"12,50"'.
\tat org.apache.flink.formats.json.JsonRowDataDeserializationSchema.deserialize(JsonRowDataDeserializationSchema.java:106)
Caused by: org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.io.JsonEOFException: Unexpected end-of-input: expected close marker for Object`,
    'org.apache.kafka.common.errors.SerializationException: Unknown magic byte!',
    'com.google.protobuf.InvalidProtocolBufferException: Protocol message contained an invalid tag (zero).',
    'org.apache.avro.AvroTypeException: Found string, expecting long',
    'DLI.0018: Data conversion error: cannot cast "abc" to INT in column amount',
    'com.esotericsoftware.kryo.KryoException: Encountered unregistered class ID: 13994',
    '数据解析失败：第 1723 条记录存在脏数据',
  ],
  resources: [
    `org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.
\tat org.apache.flink.runtime.scheduler.DefaultScheduler.lambda$assignResource$8(DefaultScheduler.java:515)`,
    'DLI.1028: Insufficient quota. The CU quota of the tenant is exceeded.',
    'The queue dli_etl resources are insufficient, the job cannot be scheduled.',
    '队列资源不足，作业提交失败',
    'org.apache.hadoop.ipc.RemoteException: The DiskSpace quota of /user/flink is exceeded: quota = 107374182400 B = 100 GB but diskspace consumed = 107374190000 B',
    'java.io.IOException: No space left on device',
    'Slot request bulk is not fulfillable! Could not allocate the required slot within slot request timeout',
  ],
  'restart-exhausted': [
    `org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)
\tat org.apache.flink.runtime.executiongraph.failover.flip1.ExecutionFailureHandler.handleFailure(ExecutionFailureHandler.java:138)
Caused by: java.lang.RuntimeException: Source reader failed
\tat org.apache.flink.connector.base.source.reader.SourceReaderBase.pollNext(SourceReaderBase.java:150)`,
    'org.apache.flink.runtime.JobException: Recovery is suppressed by FailureRateRestartBackoffTimeStrategy(failuresIntervalMS=60000,backoffTimeMS=1000,maxFailuresPerInterval=1)',
    'Job failed: the job has been restarted 10 times, exceeding the maximum number of restart attempts (10).',
    'org.apache.spark.SparkException: Job aborted due to stage failure: Task 0 in stage 1.0 failed 4 times, most recent failure: Lost task 0.3 in stage 1.0 (TID 4) (node-3 executor 2): java.lang.IllegalStateException',
    'Application application_1701234567890_0099 failed 2 times due to AM Container for appattempt_1701234567890_0099_000002 exited with exitCode: 1',
    '作业异常次数超过最大重启次数，已停止自动重启',
  ],
  'user-code': [
    `java.lang.NullPointerException
\tat com.acme.payments.EnrichFunction.map(EnrichFunction.java:42)
\tat org.apache.flink.streaming.api.operators.StreamMap.processElement(StreamMap.java:38)`,
    `org.apache.flink.runtime.JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy
Caused by: com.acme.risk.RuleEvaluationException: rule R-17 has no threshold
\tat com.acme.risk.Rules.evaluate(Rules.java:88)`,
    'org.apache.spark.SparkException: Job aborted due to stage failure: Task 2 in stage 0.0 failed 4 times, most recent failure: Lost task 2.3: java.lang.ArrayIndexOutOfBoundsException: 3 at com.example.etl.SplitLine.apply(SplitLine.scala:21) at org.apache.spark.rdd.RDD.iterator(RDD.scala:329)',
    'org.apache.flink.table.api.SqlParserException: SQL parse failed. Encountered "FORM" at line 1, column 17.',
    "org.apache.spark.sql.catalyst.parser.ParseException: mismatched input 'SELEC' expecting {'(', 'SELECT'}(line 1, pos 0)",
    `Traceback (most recent call last):
  File "/opt/jobs/daily_report.py", line 57, in <module>
    ratio = total / count
ZeroDivisionError: division by zero`,
    'DLI.0005: SQL semantic parse error: column amout cannot be resolved',
  ],
};
