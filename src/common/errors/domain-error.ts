/**
 * Services throw DomainError with a stable code; DomainErrorFilter is the only place that turns
 * a code into an HTTP status and body (GitLab's shapes, see docs/api-contract.md).
 */
export type ErrorCode =
  | 'unauthorized'
  | 'insufficient_scope'
  | 'forbidden'
  | 'not_found'
  | 'validation'
  | 'conflict'
  | 'unprocessable'
  /** Seats in several top-level groups whose model selections differ, and no default namespace. */
  | 'missing_default_duo_group'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upstream_response'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'service_unavailable'
  /** The client went away; nothing can be answered (logged as 499, never counted as a gateway failure). */
  | 'client_closed_request';

export interface DomainErrorOptions {
  /** Extra response headers (e.g. Retry-After, X-GitLab-Error-Origin). */
  headers?: Record<string, string>;
  /** For upstream_response: the gateway's status and body, passed through. */
  upstream?: { status: number; body: unknown; headers?: Record<string, string> };
  cause?: unknown;
  /**
   * The failure is logged by its owner as state changes (the database guard's "marked down" and
   * "back" lines), so the error filter leaves no line per request answered with it.
   */
  loggedAsStateChange?: boolean;
}

export class DomainError extends Error {
  readonly headers: Record<string, string>;
  readonly upstream?: DomainErrorOptions['upstream'];
  readonly loggedAsStateChange: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.headers = options.headers ?? {};
    this.upstream = options.upstream;
    this.loggedAsStateChange = options.loggedAsStateChange ?? false;
  }

  static unauthorized(headers?: Record<string, string>): DomainError {
    return new DomainError('unauthorized', '401 Unauthorized', { headers });
  }

  static notFound(what: string): DomainError {
    return new DomainError('not_found', what ? `404 ${what} Not Found` : '404 Not Found');
  }

  /** A 400 whose message is `<field> <problem>`, as GitLab's API answers. */
  static invalid(field: string, problem: string): DomainError {
    return new DomainError('validation', `${field} ${problem}`);
  }

  static forbidden(reason?: string): DomainError {
    return new DomainError('forbidden', reason ? `403 Forbidden - ${reason}` : '403 Forbidden');
  }
}
