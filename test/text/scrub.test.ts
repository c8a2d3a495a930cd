import { describe, expect, it } from 'vitest';
import {
  cleanVendorText,
  isSecretKey,
  MAX_SCRUB_INPUT_CHARS,
  REDACTED,
  scrubSecrets,
} from '../../lib/text/scrub.js';

/** Vendor text that carries a credential, and exactly what must remain of it. */
const SECRETS: [string, string][] = [
  [
    'connect jdbc:mysql://etl:Etl2024pw@db-prod:3306/orders failed',
    'connect jdbc:mysql://<redacted>@db-prod:3306/orders failed',
  ],
  [
    'GET https://user:pass@artifacts.example.com/repo/app.jar: 404',
    'GET https://<redacted>@artifacts.example.com/repo/app.jar: 404',
  ],
  [
    'mongodb+srv://admin:S3cr3tPw@cluster0.example.net/db timed out',
    'mongodb+srv://<redacted>@cluster0.example.net/db timed out',
  ],
  ['redis://:r3disPass@cache:6379/0 refused', 'redis://<redacted>@cache:6379/0 refused'],
  [
    'jdbc:oracle:thin:scott/tiger@db-host:1521:ORCL unreachable',
    'jdbc:oracle:thin:<redacted>@db-host:1521:ORCL unreachable',
  ],
  [
    'request header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLXZhbHVl',
    'request header Authorization: Bearer <redacted>',
  ],
  ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic <redacted>'],
  ['Proxy-Authorization: Basic YWRtaW46YWRtaW4xMjM=', 'Proxy-Authorization: Basic <redacted>'],
  [
    '{"headers":{"Authorization":"Bearer abc123def456","Accept":"*/*"}}',
    '{"headers":{"Authorization":"Bearer <redacted>","Accept":"*/*"}}',
  ],
  [
    'Authorization: SDK-HMAC-SHA256 Access=HPUAX1Y2Z3W4V5U6T7S8, SignedHeaders=host;x-sdk-date, Signature=9f8e7d6c',
    'Authorization: SDK-HMAC-SHA256 <redacted>',
  ],
  ['Cookie: JSESSIONID=abc123; remember=1', 'Cookie: <redacted>'],
  ['upstream said: invalid Bearer 9f8e7d6c5b4a3210fedc', 'upstream said: invalid Bearer <redacted>'],
  [
    'submit args --password hunter2 --class com.example.Main',
    'submit args --password <redacted> --class com.example.Main',
  ],
  [
    'submit args --password=hunter2 --class com.example.Main',
    'submit args --password=<redacted> --class com.example.Main',
  ],
  ['flags --jdbc-password "two words" --verbose', 'flags --jdbc-password <redacted> --verbose'],
  ['mysql -u root -psecret1 -h db-prod', 'mysql -u root -p<redacted> -h db-prod'],
  [
    'beeline -u jdbc:hive2://hs2:10000 -n etl -p Etl#2024 -e "select 1"',
    'beeline -u jdbc:hive2://hs2:10000 -n etl -p <redacted> -e "select 1"',
  ],
  ['curl -u admin:Adm1nPass https://api.example.com/v1', 'curl -u <redacted> https://api.example.com/v1'],
  ['{"password":"hun ter2","user":"etl"}', '{"password":<redacted>,"user":"etl"}'],
  ['{"secret": "abc-def-ghi", "region": "cn-north-4"}', '{"secret": <redacted>, "region": "cn-north-4"}'],
  ['{"token":"abc.def.ghi","expires":3600}', '{"token":<redacted>,"expires":3600}'],
  [
    '{"accessKey":"HPUAX1Y2Z3W4V5U6T7S8","secretKey":"q1w2e3r4t5y6u7i8o9p0"}',
    '{"accessKey":<redacted>,"secretKey":<redacted>}',
  ],
  [
    'body {\\"password\\":\\"p4ss\\",\\"user\\":\\"etl\\"}',
    'body {\\"password\\":<redacted>,\\"user\\":\\"etl\\"}',
  ],
  ['key AKIAIOSFODNN7EXAMPLE in use', 'key <redacted> in use'],
  [
    'creds ASIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY expired',
    'creds <redacted> <redacted> expired',
  ],
  ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key=<redacted>'],
  ['LTAI5tAbCdEfGhIjKlMnOp:AbCdEfGhIjKlMnOpQrStUvWxYz0123 rejected', '<redacted>:<redacted> rejected'],
  ['sts id STS.NUgYrLnoC37mZZCNnAbez2GYA in header', 'sts id <redacted> in header'],
  ['api_key=abc123xyz&format=json', 'api_key=<redacted>&format=json'],
  ['apikey: abc123xyz', 'apikey: <redacted>'],
  ['X-API-Key: 0f1e2d3c4b5a', 'X-API-Key: <redacted>'],
  [
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password="K@fka pass";',
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="etl" password=<redacted>;',
  ],
  [
    'ssl.truststore.password=changeit ssl.truststore.type=JKS',
    'ssl.truststore.password=<redacted> ssl.truststore.type=JKS',
  ],
  ['fs.s3a.secret.key=XYZsecret123', 'fs.s3a.secret.key=<redacted>'],
  [
    '--conf spark.hadoop.fs.obs.secret.key=ObsS3cret --conf spark.executor.memory=4g',
    '--conf spark.hadoop.fs.obs.secret.key=<redacted> --conf spark.executor.memory=4g',
  ],
  [
    '-Dfs.s3a.access.key=AKIDEXAMPLE -Dfs.s3a.endpoint=obs.example.com',
    '-Dfs.s3a.access.key=<redacted> -Dfs.s3a.endpoint=obs.example.com',
  ],
  [
    '<property><name>fs.s3a.secret.key</name><value>XmlS3cret</value></property>',
    '<property><name>fs.s3a.secret.key</name><value><redacted></value></property>',
  ],
  ['<password>XmlPw</password><user>etl</user>', '<password><redacted></password><user>etl</user>'],
  [
    'key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nloaded',
    'key:\n<redacted>\nloaded',
  ],
  ['cut: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC', 'cut: <redacted>'],
  [
    'POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed',
    'POST https://hooks.slack.com/services/<redacted> failed',
  ],
  ['slack token xoxb-123456789012-abcdefghijkl rejected', 'slack token <redacted> rejected'],
  [
    'POST https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef 429',
    'POST https://oapi.dingtalk.com/robot/send?access_token=<redacted> 429',
  ],
  [
    'POST https://open.feishu.cn/open-apis/bot/v2/hook/0123-4567-89ab failed',
    'POST https://open.feishu.cn/open-apis/bot/v2/hook/<redacted> failed',
  ],
  [
    'POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4 failed',
    'POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<redacted> failed',
  ],
  ['SecurityToken=CAIS8gF1q6Ft5B2yfSjIr5bSEsKNjq', 'SecurityToken=<redacted>'],
  ['X-Security-Token: MIIDvwYJKoZIhvcNAQcCoIIDsDCCA6w', 'X-Security-Token: <redacted>'],
  [
    '{"SessionToken":"FwoGZXIvYXdzEJr","Expiration":"2026-01-01"}',
    '{"SessionToken":<redacted>,"Expiration":"2026-01-01"}',
  ],
  [
    'oauth client_secret=cs-0123456789 grant_type=client_credentials',
    'oauth client_secret=<redacted> grant_type=client_credentials',
  ],
  ['ak=AK123 sk=SK456', 'ak=<redacted> sk=<redacted>'],
  [
    'GET https://bucket.s3.amazonaws.com/k?X-Amz-Credential=AKIDX%2F2026&X-Amz-Signature=abcdef0123 403',
    'GET https://bucket.s3.amazonaws.com/k?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted> 403',
  ],
  [
    'clone https://github.com/org/repo with ghp_0123456789abcdefghijABCDEFGHIJ012345',
    'clone https://github.com/org/repo with <redacted>',
  ],
  [
    'fs.azure.account.key.myacct.blob.core.windows.net=bXlrZXk=',
    'fs.azure.account.key.myacct.blob.core.windows.net=<redacted>',
  ],
  [
    'Server=db;Database=orders;User Id=etl;Password=Pw0rd!;',
    'Server=db;Database=orders;User Id=etl;Password=<redacted>;',
  ],
  ['connection password=hunter2 refused', 'connection password=<redacted> refused'],
  ['jdbc user=etl pwd: "s3cr3t"', 'jdbc user=etl pwd: <redacted>'],
  ['auth_token=xyz;next', 'auth_token=<redacted>;next'],
  ['连接数据库失败，密码：Hunter2，请检查', '连接数据库失败，密码：<redacted>，请检查'],
  [
    '{"credentials":"c2VjcmV0LXZhbHVl"} credentials=abc123',
    '{"credentials":<redacted>} credentials=<redacted>',
  ],
  ['OBS 访问失败 密钥=AbC123xyz 已过期', 'OBS 访问失败 密钥=<redacted> 已过期'],
  // A harmless key must not swallow the pair in its value.
  [
    'User class threw exception: password=hunter2 rejected',
    'User class threw exception: password=<redacted> rejected',
  ],
];

/** Text that looks like a credential to a careless pattern and must pass unchanged. */
const HARMLESS: string[] = [
  'password reset failed',
  'token count 5',
  'passwords.txt not found',
  'keyBy(userId) operator failed',
  'secretary: Bob',
  'commit 0123456789abcdef0123456789abcdef01234567 deployed',
  'job d1a5a4d1ce0f4d6d9c3e5b7a2f8e6c10 is RUNNING',
  'job key=orders-etl failed',
  'at org.apache.flink.runtime.taskmanager.Task.run(Task.java:567)',
  'at org.apache.kafka.clients.NetworkClient.poll(NetworkClient.java:561) ~[kafka-clients-2.8.1.jar:?]',
  'Caused by: org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: Invalid username or password',
  "Access denied for user 'etl'@'10.0.0.1' (using password: YES)",
  'TaskManager lost: java.lang.OutOfMemoryError: Java heap space (task=3, back=2)',
  'Bearer token expired',
  'Basic authentication failed',
  'secret_name=prod-db',
  'token_ttl: 3600',
  'password_expiry_days=30',
  '--password-file /etc/jobwatch/pw',
  'tokenizer=bert-base',
  'max_tokens: 100',
  'primary key: id',
  'partition key=user_id',
  'ssh -p 22 etl@bastion',
  'hdfs://nameservice1/user/etl/orders',
  'obs://bucket/warehouse/key=2024-01-01/part-0000',
  'git@github.com:org/repo.git',
  'kerberos principal etl@EXAMPLE.COM expired',
  '{"hasPassword": false, "token": null}',
  'checkpoint 42 failed: Checkpoint expired before completing',
  "Table not found 'tokens'",
  'KeyedProcessOperator (1/4) switched from RUNNING to FAILED',
  'InvalidAccessKeyId: The Access Key Id you provided does not exist',
  'HTTP 403 InvalidSecurityToken.Expired: Specified SecurityToken is expired.',
  'RequestId: 5C5F0F1A-1D2B-4A3C-9E8F-7A6B5C4D3E2F',
  'see https://example.slack.com/archives/C0123456',
  'secretKeyRef: db-credentials-ref',
  'the key orders_2024 was not found',
  'Authorization failed for user etl',
  'credentials expire in 5 days',
  'spark.sql.shuffle.partitions=200',
  'security.token.lifetime.hours=24',
  '--num-executors 4 --executor-memory 4g',
  'mysql -h db-prod -P 3306',
  'started 2026-12-05T13:06:00.000Z, ended 2026-12-05T13:07:00.000Z',
  'ASIA region quota exceeded',
  'contact etl-team@example.com',
  'password: <redacted>',
  'SELECT key, value FROM kv WHERE secret_level > 2',
  'credentials: secret reference env:JOBWATCH_SK: environment variable is not set',
  '用户名或密码错误，请重新输入',
  '密钥已过期，请在控制台重新创建',
];

describe('scrubSecrets', () => {
  it('has at least 40 secret shapes and 40 harmless look-alikes', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(40);
    expect(HARMLESS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(SECRETS)('redacts %j', (input, expected) => {
    expect(scrubSecrets(input)).toBe(expected);
    // Scrubbing twice changes nothing: text scrubbed at the boundary can pass through it again.
    expect(scrubSecrets(expected)).toBe(expected);
  });

  it.each(HARMLESS)('keeps %j', (input) => {
    expect(scrubSecrets(input)).toBe(input);
  });

  it.each([
    ['fs.s3a.secret.key', true],
    ['spark.hadoop.fs.obs.secret.key', true],
    ['aws_secret_access_key', true],
    ['SecurityToken', true],
    ['accessKeyId', true],
    ['--api-key', true],
    ['passwords', false],
    ['tokenCount', false],
    ['secretary', false],
    ['secret_name', false],
    ['keyBy', false],
    ['InvalidAccessKeyId', false],
  ] as const)('isSecretKey(%j) is %s', (key, expected) => {
    expect(isSecretKey(key)).toBe(expected);
  });

  it('caps its input, dropping the token the cut splits', () => {
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    const filler = 'x '.repeat(MAX_SCRUB_INPUT_CHARS / 2 - 5);
    // The key id straddles the cap: cut in half it no longer looks like a key, so it must go whole.
    const out = scrubSecrets(`${filler}${secret} tail`);
    expect(out.length).toBeLessThanOrEqual(MAX_SCRUB_INPUT_CHARS + 2);
    expect(out).not.toContain('AKIA');
    expect(out.endsWith('…')).toBe(true);
  });

  it('scrubs before trimming, so a cut never leaves half a secret', () => {
    const text = `${'x'.repeat(290)} password=${'p'.repeat(40)}`;
    expect(cleanVendorText(text, 300)).not.toMatch(/p{5}/);
    expect(cleanVendorText('  spaced\n\tout  ')).toBe('spaced out');
    expect(cleanVendorText(undefined)).toBeUndefined();
  });

  // Adversarial input at the cap: a backtracking pattern would take minutes on these (and time the test
  // out); every pattern here is linear, so each is a few milliseconds. Speed itself is not asserted.
  it.each([
    ['a run of key characters', 'a'.repeat(MAX_SCRUB_INPUT_CHARS)],
    ['keys without values', 'password='.repeat(4000)],
    ['unclosed quotes', 'password="'.repeat(3000)],
    ['escaped quotes', '{\\"token\\":\\"'.repeat(2500)],
    ['unclosed PEM blocks', '-----BEGIN PRIVATE KEY-----'.repeat(1200)],
    ['userinfo starts', '//a:b'.repeat(6000)],
    ['header names', 'Authorization: '.repeat(2000)],
    ['flag runs', ' -u a -p'.repeat(4000)],
    ['XML names', '<name>'.repeat(5000)],
    ['dotted words', 'a.b-c_d:'.repeat(4000)],
    ['harmless keys whose values hold pairs', 'exception: '.repeat(3000)],
  ])('stays linear on %s', (_name, text) => {
    expect(scrubSecrets(text).length).toBeLessThanOrEqual(text.length + REDACTED.length * 4000);
  });
});
