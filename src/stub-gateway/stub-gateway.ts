import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { handleAdmin, type AdminContext } from './admin.router';
import { FaultRegistry } from './fault.registry';
import { handleSuggestion, handleUserAccessToken, type GatewayContext } from './gateway.router';
import { BodyTooLargeError, readBody, sendJson } from './http.util';
import { ModelOffer } from './model-offer';
import { RequestRecorder } from './request.recorder';
import type { StubApi, StubGateway, StubGatewayOptions } from './stub-gateway.types';
import { AIGW_SELF_ISSUER, StubTokenAuthority } from './token.issuer';
import { GATEWAY_JWKS_CACHE_TTL_MS, TokenVerifier } from './token.verifier';

export type {
  RecordedRequest,
  StubApi,
  StubGateway,
  StubGatewayOptions,
} from './stub-gateway.types';
export { FaultRegistry, defaultFaultBody, type Fault, type FaultSpec } from './fault.registry';
export { type ResolvedModel, type UseCase } from './model-catalog.constants';
export { type PydanticIssue } from './contract.validator';
export { type ValidationDetail } from './validation-answer';
export { expectedCompletionText, type AnswerInput } from './completion.responder';
export { AUTH_ERRORS, SIGNATURE_FAILED, discoveryUrl } from './token.verifier';
export { FORBIDDEN, SCOPE_COMPLETE_CODE, SCOPE_GENERATE_CODE } from './gateway.router';
export { AIGW_SELF_ISSUER } from './token.issuer';

export const DEFAULT_AUDIENCE = 'gitlab-ai-gateway';
/** Where the stub publishes its own keys (GitLab's path). */
export const JWKS_PATH = '/oauth/discovery/keys';

const SUGGESTION_ROUTES: Record<string, StubApi> = {
  '/v2/code/completions': 'v2',
  '/v2/completions': 'v2',
  '/v3/code/completions': 'v3',
  '/v4/code/suggestions': 'v4',
};
const USER_ACCESS_TOKEN_PATH = '/v1/code/user_access_token';
export const MODEL_DEFINITIONS_PATH = '/v1/models/definitions';
const CLOSE_TIMEOUT_MS = 2000;

/**
 * Starts the AI Gateway twin: the pinned gateway's Code Suggestions contract
 * (config/aigw/contract.json), with fault, latency and stall knobs for tests.
 */
// eslint-disable-next-line max-lines-per-function -- the request dispatcher is a closure over the server's state (faults, recorder, verifier); a test-only server
export async function startStubGateway(opts: StubGatewayOptions = {}): Promise<StubGateway> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const audience = opts.audience ?? DEFAULT_AUDIENCE;
  const selfIssuer = opts.selfIssuer ?? AIGW_SELF_ISSUER;
  const authority = await StubTokenAuthority.create();
  let url = '';

  const faults = new FaultRegistry();
  const recorder = new RequestRecorder(opts.maxRecordedRequests ?? 1000);
  const verifier = new TokenVerifier({
    trustedIssuers: opts.trustedIssuers ?? (() => []),
    selfIssuers: () => [selfIssuer, url],
    selfKeySet: authority.keySet,
    audience,
    refetchIntervalMs: opts.jwksRefetchIntervalMs ?? 3000,
    cacheTtlMs: opts.jwksCacheTtlMs ?? GATEWAY_JWKS_CACHE_TTL_MS,
    clockToleranceSec: opts.clockToleranceSec ?? 5,
    logger,
  });
  const ctx: GatewayContext = {
    verifyTokens: opts.verifyTokens ?? true,
    verifier,
    authority,
    validationDetail: opts.validationDetail ?? 'verbose',
    region: opts.region ?? 'us-east1',
    faults,
    recorder,
    logger,
    audience,
    selfIssuer,
    streamChunkCount: opts.streamChunkCount ?? 3,
    streamChunkDelayMs: opts.streamChunkDelayMs ?? 5,
    sseLineSeparator: opts.sseLineSeparator ?? '\r\n',
    timers: new Set(),
    hung: new Set(),
  };
  const offer = new ModelOffer();
  const admin: AdminContext = {
    faults,
    recorder,
    clearJwks: () => verifier.clearCache(),
    offer,
    loopbackOnly: opts.adminLoopbackOnly ?? true,
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const method = req.method ?? 'GET';
    const raw = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);

    if (handleAdmin(admin, req, res, path, raw)) return;
    const api = SUGGESTION_ROUTES[path];
    if (api || path === USER_ACCESS_TOKEN_PATH) {
      if (method !== 'POST') return sendJson(res, 405, { detail: 'Method Not Allowed' });
      if (api) return handleSuggestion(ctx, api, req, res, path, raw);
      return handleUserAccessToken(ctx, req, res, path, raw);
    }
    if (method === 'GET' && path === '/.well-known/openid-configuration') {
      return sendJson(res, 200, {
        issuer: url,
        jwks_uri: `${url}${JWKS_PATH}`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (method === 'GET' && path === JWKS_PATH) return sendJson(res, 200, authority.jwks());
    if (method === 'GET' && path === '/monitoring/healthz') return sendJson(res, 200, {});
    // The gateway serves its catalogue without authentication.
    if (method === 'GET' && path === MODEL_DEFINITIONS_PATH) {
      return sendJson(res, 200, offer.definitions());
    }
    sendJson(res, 404, { detail: 'Not Found' });
  };

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { detail: 'Request Entity Too Large' });
        return;
      }
      logger.error({ err }, 'stub gateway: request failed');
      if (!res.headersSent) sendJson(res, 500, { detail: 'Internal Server Error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;
  logger.debug({ url }, 'stub gateway listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const t of ctx.timers) clearTimeout(t);
      ctx.timers.clear();
      for (const res of ctx.hung) res.destroy();
      ctx.hung.clear();
      const guard = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      server.close(() => {
        clearTimeout(guard);
        resolve();
      });
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url,
    get requests() {
      return recorder.entries;
    },
    faults,
    clearRequests: () => recorder.clear(),
    clearJwksCache: () => verifier.clearCache(),
    offer,
    close,
  };
}
