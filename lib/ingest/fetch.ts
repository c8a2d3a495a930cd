import { request } from 'undici';

const MAX_CERT_BYTES = 64 * 1024;

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
    throw new Error(`GET ${new URL(url).host} failed (${code})`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new Error(`GET ${new URL(url).host}: response larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return { status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') };
}

/** Default certificate fetcher: the PEM text of `signing_cert_url`. */
export async function fetchCertificatePem(url: string, timeoutMs = 5_000): Promise<string> {
  const { status, body } = await get(url, timeoutMs, MAX_CERT_BYTES);
  if (status !== 200)
    throw new Error(`certificate download from ${new URL(url).host} answered HTTP ${status}`);
  if (!body.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`certificate download from ${new URL(url).host} is not a PEM certificate`);
  return body;
}

/** Default subscription confirmer: GET `subscribe_url`, any 2xx is a confirmation. */
export async function confirmSmnSubscription(url: string, timeoutMs = 5_000): Promise<void> {
  const { status } = await get(url, timeoutMs, MAX_CERT_BYTES);
  if (status < 200 || status >= 300)
    throw new Error(`subscription confirmation at ${new URL(url).host} answered HTTP ${status}`);
}
