/**
 * What the two Alibaba Cloud emulators (Blink's ROA gateway, Flink's V3 gateway) share: the POP gateway's
 * error envelope, its checks before and after the signature (Authorization, AccessKey, API version, nonce
 * replay), fault bodies, and the request's headers and query as the signature saw them. Emulator code:
 * imported only by the providers' sandbox.ts files.
 */
import { SANDBOX_CREDENTIALS, type SandboxRequest, type SandboxResponse } from '../../sandbox/types.js';

/** One header as the signer saw it (repeated headers joined). */
export function header(req: SandboxRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The raw query string's pairs, decoded, in the order sent. */
export function queryPairs(req: SandboxRequest): [string, string][] {
  if (!req.rawQuery) return [];
  return req.rawQuery.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    return [decodeURIComponent(key), decodeURIComponent(value)];
  });
}

export interface AlibabaGateway {
  /** The gateway's error envelope (RequestId, HostId, Code, Message, Recommend). */
  error(status: number, code: string, message: string): SandboxResponse;
  /** Before the signature: an Authorization that parses, the sandbox's AccessKey, the product's API version. */
  precheck(
    req: SandboxRequest,
    auth: { accessKeyId: string } | undefined,
    version: string,
  ): SandboxResponse | undefined;
  /**
   * A check of one emulator's requests after the signature: a wrong signature, or a nonce that emulator saw
   * before (a replay); remembers the nonce.
   */
  verifier(): (signatureMatches: boolean, nonce: string) => SandboxResponse | undefined;
  /** The body of an injected fault, with the code the gateway gives that status. */
  faultBody(status: number, operation: string): unknown;
}

export function alibabaGateway(options: {
  hostId: string;
  recommend: (code: string) => string;
  requestId: () => string;
}): AlibabaGateway {
  const error = (status: number, code: string, message: string): SandboxResponse => ({
    status,
    body: {
      RequestId: options.requestId(),
      HostId: options.hostId,
      Code: code,
      Message: message,
      Recommend: options.recommend(code),
    },
  });
  return {
    error,
    precheck(req, auth, version) {
      if (!auth)
        return error(
          400,
          'IncompleteSignature',
          'The request signature does not conform to Aliyun standards.',
        );
      if (auth.accessKeyId !== SANDBOX_CREDENTIALS.accessKeyId)
        return error(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
      if (header(req, 'x-acs-version') !== version)
        return error(400, 'InvalidVersion', 'Specified parameter Version is not valid.');
      return undefined;
    },
    verifier() {
      const usedNonces = new Set<string>();
      return (signatureMatches, nonce) => {
        if (!signatureMatches)
          return error(
            400,
            'SignatureDoesNotMatch',
            'Specified signature is not matched with our calculation.',
          );
        if (usedNonces.has(nonce))
          return error(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
        if (usedNonces.size > 100_000) usedNonces.clear();
        usedNonces.add(nonce);
        return undefined;
      };
    },
    faultBody(status, operation) {
      const code =
        status === 429
          ? 'Throttling.User'
          : status === 503
            ? 'ServiceUnavailable'
            : status >= 500
              ? 'InternalError'
              : status === 404
                ? 'InvalidApi.NotFound'
                : 'InvalidParameter';
      return error(status, code, `${operation}: sandbox fault ${status}`).body;
    },
  };
}

/** The one target an Alibaba emulator offers: its provider's sandbox in cn-hangzhou, sandbox credentials. */
export function alibabaSandboxTarget(
  provider: 'alibaba-blink' | 'alibaba-flink',
  endpoint: string,
  rest: { options: Record<string, unknown>; rules?: unknown },
): Record<string, unknown> {
  return {
    id: `${provider}-sandbox`,
    provider,
    region: 'cn-hangzhou',
    endpoint,
    credentials: { accessKeyId: 'env:JOBWATCH_SANDBOX_AK', secretAccessKey: 'env:JOBWATCH_SANDBOX_SK' },
    labels: { env: 'sandbox', team: 'data-platform' },
    ...rest,
  };
}
