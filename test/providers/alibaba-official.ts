/**
 * Alibaba Cloud's official signing code (`@alicloud/openapi-util`, `@alicloud/pop-core`), typed for the
 * parts our signer tests compare against. Both are devDependencies, loaded here only.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The request shape `@alicloud/openapi-util` signs. */
export interface OfficialRequest {
  method: string;
  pathname: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

export const OpenApiUtil = (
  require('@alicloud/openapi-util') as {
    default: {
      /** ROA v1. */
      getStringToSign(request: OfficialRequest): string;
      getROASignature(stringToSign: string, secret: string): string;
      /** V3 (ACS3-HMAC-SHA256). */
      getAuthorization(
        request: OfficialRequest,
        algorithm: string,
        payload: string,
        accessKeyId: string,
        secret: string,
      ): string;
      hash(raw: Buffer, algorithm: string): Buffer;
      hexEncode(raw: Buffer): string;
    };
  }
).default;

export const { ROAClient } = require('@alicloud/pop-core') as {
  ROAClient: new (config: Record<string, string>) => { buildAuthorization(stringToSign: string): string };
};

/** The fixed date and nonce both signer tests sign with. */
export const SIGN_DATE_MS = Date.UTC(2026, 0, 2, 3, 4, 5);
export const SIGN_NONCE = '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf';
