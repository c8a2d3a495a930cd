import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfigText } from '../../lib/config/load.js';
import { webhookProblems, webhookSchema } from '../../lib/ingest/config.js';
import { startWebhookServer, type WebhookServer } from '../../lib/ingest/http-server.js';
import { allowedUrl, createIpAllowList, hostAllowed } from '../../lib/ingest/request.js';

describe('startWebhookServer: Node HTTP to API Gateway v2 events', () => {
  const seen: APIGatewayProxyEventV2[] = [];
  let server: WebhookServer;

  beforeAll(async () => {
    server = await startWebhookServer({
      handler: async (event) => {
        seen.push(event);
        return { statusCode: 207, headers: { 'x-echo': event.rawPath }, body: '{"ok":true}' };
      },
      maxBodyBytes: 1024,
    });
  });
  afterAll(() => server?.stop());

  it('passes rawPath, rawQueryString, lower-cased headers, method and source IP', async () => {
    const response = await fetch(`${server.url}/ingest/events?token=a%20b&x=1`, {
      method: 'POST',
      headers: { 'X-Jobwatch-Token': 'T', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(207);
    expect(response.headers.get('x-echo')).toBe('/ingest/events');
    const event = seen.at(-1)!;
    expect(event.rawPath).toBe('/ingest/events');
    expect(event.rawQueryString).toBe('token=a%20b&x=1');
    expect(event.headers['x-jobwatch-token']).toBe('T');
    expect(event.requestContext.http).toMatchObject({ method: 'POST', sourceIp: '127.0.0.1' });
    expect(event).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
  });

  it('base64-encodes binary bodies', async () => {
    const bytes = Buffer.from([0, 255, 1, 254]);
    await fetch(`${server.url}/x`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = seen.at(-1)!;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body ?? '', 'base64')).toEqual(bytes);
  });

  it('refuses a body over maxBodyBytes with 413 before calling the handler', async () => {
    const before = seen.length;
    const response = await fetch(`${server.url}/ingest/events`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(response.status).toBe(413);
    expect(seen.length).toBe(before);
  });
});

describe('webhook config', () => {
  const base = `
targets:
  - id: dli-prod
    provider: huawei-dli
    region: cn-north-4
    credentials: { accessKeyId: env:A, secretAccessKey: env:B }
    options: { projectId: 0a419ac94f80f2c62f14c01e34000001 }
`;

  it('fills defaults (256 KB, Huawei cert hosts, SHA256, 3-day dedupe)', () => {
    const config = webhookSchema.parse({ huaweiSmn: {} });
    expect(config.maxBodyBytes).toBe(256 * 1024);
    expect(config.huaweiSmn).toMatchObject({
      certHosts: ['*.myhuaweicloud.com', '*.myhuaweicloud.cn', '*.myhuaweicloud.eu'],
      signatureHashes: ['sha256'],
      allowHttp: false,
      dedupeSeconds: 259_200,
    });
  });

  it('refuses a literal token, a bad CIDR and an operator block without credentials, naming the paths', () => {
    const yaml = `${base}
webhook:
  alibabaArms: { tokens: ['plain-secret'] }
  alibabaCloudMonitor: { tokens: [env:T], allowedSourceIps: ['10.0.0.0/33'] }
  operator: {}
`;
    try {
      parseConfigText(yaml, 'bad.yml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('webhook.alibabaArms.tokens[0]');
      expect(problems).toContain('webhook.alibabaCloudMonitor.allowedSourceIps[0]');
      expect(problems).toContain('webhook.operator');
      expect(problems).not.toContain('plain-secret');
    }
  });

  it('reports target ids that no target defines, and the loader refuses them', () => {
    const text = `${base}
webhook:
  alibabaArms: { tokens: [env:T], targetId: blink-prod }
  huaweiSmn: { targets: { 'urn:smn:cn-north-4:0a419ac94f80f2c62f14c01e34000001:t': dli-prod } }
`;
    const parsed = parseYaml(text) as { webhook: unknown; targets: { id: string }[] };
    const config = { webhook: webhookSchema.parse(parsed.webhook), targets: parsed.targets };
    expect(webhookProblems(config)).toEqual(["webhook.alibabaArms.targetId: no target with id 'blink-prod'"]);
    expect(() => parseConfigText(text, 'ok.yml')).toThrow(
      "webhook.alibabaArms.targetId: no target with id 'blink-prod'",
    );
  });
});

describe('allow-lists', () => {
  it('matches hosts exactly or as sub-domains of a wildcard, never the bare suffix or a look-alike', () => {
    const patterns = ['*.myhuaweicloud.com'];
    expect(hostAllowed('smn.cn-north-4.myhuaweicloud.com', patterns)).toBe(true);
    expect(hostAllowed('myhuaweicloud.com', patterns)).toBe(false);
    expect(hostAllowed('smn.myhuaweicloud.com.evil.io', patterns)).toBe(false);
    expect(hostAllowed('evilmyhuaweicloud.com', patterns)).toBe(false);
  });

  it('requires https (unless allowed), no credentials in the URL, and the port when the pattern has one', () => {
    expect(allowedUrl('http://smn.x.myhuaweicloud.com/c', ['*.myhuaweicloud.com'], false).ok).toBe(false);
    expect(allowedUrl('https://u:p@smn.x.myhuaweicloud.com/c', ['*.myhuaweicloud.com'], false).ok).toBe(
      false,
    );
    expect(allowedUrl('https://smn.x.myhuaweicloud.com/c', ['*.myhuaweicloud.com'], false).ok).toBe(true);
    expect(allowedUrl('http://127.0.0.1:8080/c', ['127.0.0.1:9090'], true).ok).toBe(false);
    expect(allowedUrl('http://127.0.0.1:9090/c', ['127.0.0.1:9090'], true).ok).toBe(true);
  });

  it('checks source addresses against addresses and CIDR blocks, IPv4-mapped IPv6 included', () => {
    const allowed = createIpAllowList(['47.74.206.0/26', '8.222.159.116', '2001:db8::/32']);
    expect(allowed('47.74.206.63')).toBe(true);
    expect(allowed('47.74.206.64')).toBe(false);
    expect(allowed('::ffff:8.222.159.116')).toBe(true);
    expect(allowed('2001:db8::1')).toBe(true);
    expect(allowed('not-an-ip')).toBe(false);
  });
});
