import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONTENT_SECURITY_POLICY } from './status-template.js';

/**
 * An HTML response with the headers every page of ours carries: never cached, the strict
 * Content-Security-Policy, no sniffing, no framing, no referrer.
 */
export function htmlResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
  cookies?: string[],
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      ...headers,
    },
    ...(cookies ? { cookies } : {}),
    body,
  };
}
