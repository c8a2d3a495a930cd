/**
 * What the two Alibaba Cloud emulators (Blink's ROA gateway, Flink's V3 gateway) share: the POP gateway's
 * error envelope, its checks before and after the signature (Authorization, AccessKey, API version, nonce
 * replay), fault bodies, the plugin around a product's routes and signature check. Emulator code:
 * imported only by the providers' sandbox.ts files.
 */

import { header } from '../../sandbox/request.js';
import {
  SANDBOX_CREDENTIALS,
  type SandboxPlugin,
  type SandboxPluginOptions,
  type SandboxRequest,
  type SandboxResponse,
  type SandboxRoute,
} from '../../sandbox/types.js';

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

/** What one Alibaba product's emulator brings: its routes, its signature check and its target's settings. */
export interface AlibabaEmulatorParts<A> {
  routes: SandboxRoute[];
  /**
   * The product's signature check of a request whose Authorization parsed (`auth`) and passed the gateway's
   * precheck: it computes the signature with the sandbox's AccessKey `secret` and hands the verdict to this
   * emulator's `verify` (wrong signature, replayed nonce).
   */
  authenticate(
    req: SandboxRequest,
    auth: A,
    gate: { secret: string; verify: ReturnType<AlibabaGateway['verifier']> },
  ): SandboxResponse | undefined;
  target: { options: Record<string, unknown>; rules?: unknown };
}

/** An Alibaba product as its emulator's gateway sees it: the API version and the Authorization scheme. */
export interface AlibabaProduct<A extends { accessKeyId: string }> {
  provider: 'alibaba-blink' | 'alibaba-flink';
  gateway: AlibabaGateway;
  version: string;
  parseAuthorization(value: string | undefined): A | undefined;
}

/**
 * An Alibaba product's emulator plugin: its parts behind the gateway (Authorization parsed and prechecked
 * before the product's own check, the gateway's fault bodies) and the one target.
 */
export function alibabaSandboxPlugin<A extends { accessKeyId: string }>(
  product: AlibabaProduct<A>,
  create: (options: SandboxPluginOptions) => AlibabaEmulatorParts<A>,
): SandboxPlugin {
  const { provider, gateway } = product;
  return {
    provider,
    create(options) {
      const parts = create(options);
      const gate = { secret: SANDBOX_CREDENTIALS.accessKeySecret, verify: gateway.verifier() };
      return {
        routes: parts.routes,
        authenticate: (req) => {
          const auth = product.parseAuthorization(header(req, 'authorization'));
          const refused = gateway.precheck(req, auth, product.version);
          if (refused || !auth) return refused;
          return parts.authenticate(req, auth, gate);
        },
        errorBody: (status, operation) => gateway.faultBody(status, operation),
        targets: (endpoint) => [alibabaSandboxTarget(provider, endpoint, parts.target)],
      };
    },
  };
}
