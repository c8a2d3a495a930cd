import { request } from 'undici';

const MAX_CERT_BYTES = 64 * 1024;

/**
 * A GET that failed. `permanent` when asking the same URL again cannot help (a 4xx other than 408/425/429,
 * a redirect we never follow, a body too large or not a certificate); otherwise the far end may recover
 * (connection errors, timeouts, 5xx, throttling). Messages name the host only: queries can hold tokens.
 */
export class IngestFetchError extends Error {
  override name = 'IngestFetchError';
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

function permanentStatus(status: number): boolean {
  return status >= 300 && status < 500 && !RETRYABLE_4XX.has(status);
}

/**
 * GETs a URL the caller has already checked against an allow-list: no redirects (a redirect could leave
 * the allowed host), short timeouts, bounded body. Errors never carry the URL (subscribe URLs hold tokens).
 */
async function get(
  url: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<{ status: number; body: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      method: 'GET',
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new IngestFetchError(`GET ${new URL(url).host} failed (${code})`, false);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new IngestFetchError(`GET ${new URL(url).host}: response larger than ${maxBytes} bytes`, true);
    }
    chunks.push(chunk as Buffer);
  }
  return { status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') };
}

/** Default certificate fetcher: the PEM text of `signing_cert_url`. */
export async function fetchCertificatePem(url: string, timeoutMs = 5_000): Promise<string> {
  const { status, body } = await get(url, timeoutMs, MAX_CERT_BYTES);
  const host = new URL(url).host;
  if (status !== 200)
    throw new IngestFetchError(
      `certificate download from ${host} answered HTTP ${status}`,
      permanentStatus(status),
    );
  if (!body.includes('-----BEGIN CERTIFICATE-----'))
    throw new IngestFetchError(`certificate download from ${host} is not a PEM certificate`, true);
  return body;
}

/** Default subscription confirmer: GET `subscribe_url`, any 2xx is a confirmation. */
export async function confirmSmnSubscription(url: string, timeoutMs = 5_000): Promise<void> {
  const { status } = await get(url, timeoutMs, MAX_CERT_BYTES);
  if (status < 200 || status >= 300)
    throw new IngestFetchError(
      `subscription confirmation at ${new URL(url).host} answered HTTP ${status}`,
      permanentStatus(status),
    );
}
