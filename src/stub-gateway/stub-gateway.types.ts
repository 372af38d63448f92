import type { ModelOffer } from './model-offer';
import type pino from 'pino';
import type { PydanticIssue } from './contract.validator';
import type { FaultRegistry } from './fault.registry';
import type { ValidationDetail } from './validation-answer';

export type { StubApi } from './stub-api';

export interface StubGatewayOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on. Default `0` (ephemeral). */
  port?: number;
  /**
   * Issuer(s) whose tokens we accept; keys are found via
   * `${issuer}/.well-known/openid-configuration` -> `jwks_uri` (as the real AIGW does).
   * Function form because the service URL may be known only after the stub starts.
   */
  trustedIssuers?: () => string[];
  /** Expected `aud` claim. Default `gitlab-ai-gateway`. */
  audience?: string;
  /** Default true; false only for benchmarks' baseline variants (no auth at all). */
  verifyTokens?: boolean;
  logger?: pino.Logger;
  /**
   * 422 wording: `verbose` (default) is the gateway with request logging on, `{"detail":
   * "<repr of pydantic's errors>"}`; `terse` is the gateway without it, `"Validation error"`.
   */
  validationDetail?: ValidationDetail;
  /** `region` in answers (the gateway's GCP location). Default `us-east1`. */
  region?: string;
  /** How long an issuer's JWKS is kept (the gateway: 24 h). Default 86 400 000. */
  jwksCacheTtlMs?: number;
  /** Gap between streamed chunks, in ms. Default 5. */
  streamChunkDelayMs?: number;
  /** Number of chunks a streamed answer is split into. Default 3. */
  streamChunkCount?: number;
  /** How many requests {@link StubGateway.requests} keeps. Default 1000. */
  maxRecordedRequests?: number;
  /** Minimum gap between two JWKS fetches for one issuer when a fetch failed, in ms. Default 3000. */
  jwksRefetchIntervalMs?: number;
  /** Leeway for `exp`/`nbf`, in seconds. Default 5. */
  clockToleranceSec?: number;
  /**
   * `iss` of the tokens minted by `POST /v1/code/user_access_token`. The real AIGW uses
   * `gitlab-ai-gateway` (its CloudConnectorConfig service name). Tokens carrying the stub's URL as
   * `iss` and signed with its key are treated the same way.
   */
  selfIssuer?: string;
  /** Line separator inside SSE events of `/v4`. The AIGW (sse-starlette) uses `\r\n`. */
  sseLineSeparator?: '\r\n' | '\n';
  /** Refuse `/stub/*` admin calls (except health) from non-loopback addresses. Default true. */
  adminLoopbackOnly?: boolean;
}

export interface RecordedRequest {
  /** Sequence number, increasing over the stub's life. */
  seq: number;
  method: string;
  path: string;
  /** Lower-cased header names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it was not JSON, or null when empty. */
  body: unknown;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  /** HTTP status sent, or null while pending / when no status was sent (hang, closed socket). */
  status: number | null;
  outcome: 'pending' | 'answered' | 'fault' | 'hang' | 'closed' | 'aborted';
  /** The completion text a streamed answer carried so far (the content, not the SSE framing). */
  streamed?: string;
  /** The model the request resolved to, when it got that far. */
  model?: { provider: string; name: string };
  /** Id of the fault that was applied, if any. */
  faultId?: string;
  /** The pydantic issues behind a 422 (structured; the answer carries their Python repr). */
  validationErrors?: PydanticIssue[];
  /** Why a `model_metadata` was ignored (the gateway then serves the default model). */
  modelMetadataIgnored?: string;
  /** Why a 401 was sent, as the gateway logs it (e.g. `Signature verification failed`). */
  authError?: string;
  /** What failed when the gateway would answer 500. */
  serverError?: string;
}

export interface StubGateway {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Last N requests to the gateway APIs (`/v1`..`/v4`), oldest first. */
  readonly requests: RecordedRequest[];
  /** Same as the `/stub/faults` admin endpoint, for in-process tests. */
  faults: FaultRegistry;
  clearRequests(): void;
  /** Forgets every cached JWKS (as a gateway restart does); `POST /stub/jwks/clear` too. */
  clearJwksCache(): void;
  /** What `GET /v1/models/definitions` offers; `PUT|DELETE /stub/models/withdrawn` too. */
  offer: ModelOffer;
  /** Closes the server, keep-alive sockets and hung requests; never hangs. */
  close(): Promise<void>;
}
