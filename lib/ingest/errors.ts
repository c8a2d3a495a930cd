/**
 * An HTTP answer decided by the handler. Messages of 4xx errors go to the caller (they name the problem);
 * 5xx messages never do (middy http-error-handler's `expose` rule).
 */
export class IngestHttpError extends Error {
  override name = 'IngestHttpError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options?: ErrorOptions & { headers?: Record<string, string> },
  ) {
    super(message, options);
    this.status = status;
    this.headers = options?.headers ?? {};
  }

  /** Whether the message may be shown to the caller. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export const badRequest = (message: string) => new IngestHttpError(400, message);
export const unauthorized = (message: string, scheme = 'Bearer') =>
  new IngestHttpError(401, message, { headers: { 'www-authenticate': scheme } });
export const forbidden = (message: string) => new IngestHttpError(403, message);
export const notFound = (message: string) => new IngestHttpError(404, message);
export const conflict = (message: string) => new IngestHttpError(409, message);

/** A secret could not be resolved, a store write failed before acceptance: the sender should retry. */
export class IngestUnavailableError extends IngestHttpError {
  override name = 'IngestUnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super(503, message, options);
  }
}
