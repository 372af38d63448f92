import type { IncomingMessage, ServerResponse } from 'node:http';
import type pino from 'pino';
import {
  completionBody,
  enabledFlags,
  streamRaw,
  streamSse,
  type AnswerInput,
} from './completion.responder';
import { defaultFaultBody, type Fault, type FaultRegistry } from './fault.registry';
import { header, parseBody, sendJson, sleep } from './http.util';
import type { RequestRecorder } from './request.recorder';
import { faultTarget, validateSuggestion, type SuggestionRequest } from './request.validator';
import type { RecordedRequest, StubApi } from './stub-gateway.types';
import type { StubTokenAuthority } from './token.issuer';
import {
  HEADER_GLOBAL_USER_ID,
  HEADER_INSTANCE_ID,
  HEADER_REALM,
  type AuthenticatedUser,
  type TokenVerifier,
} from './token.verifier';
import {
  sendInternalServerError,
  jsonInvalidIssue,
  MISSING_BODY,
  validationErrorBody,
  type ValidationDetail,
} from './validation-answer';

export const SCOPE_COMPLETE_CODE = 'complete_code';
export const SCOPE_GENERATE_CODE = 'generate_code';
const SCOPE_MODEL_PROXY = 'ai_gateway_model_provider_proxy';

/** 403 details of the AIGW routes. */
export const FORBIDDEN = {
  v2: 'Unauthorized to access code completions',
  suggestions: 'Unauthorized to access code suggestions',
  generations: 'Unauthorized to access code generations',
  userAccessToken: 'Unauthorized to create user access token',
} as const;

export interface GatewayContext {
  verifyTokens: boolean;
  verifier: TokenVerifier;
  authority: StubTokenAuthority;
  validationDetail: ValidationDetail;
  /** `region` the gateway reports (its GCP location). */
  region: string;
  faults: FaultRegistry;
  recorder: RequestRecorder;
  logger: pino.Logger;
  audience: string;
  selfIssuer: string;
  streamChunkCount: number;
  streamChunkDelayMs: number;
  sseLineSeparator: string;
  /** Timers to clear on close. */
  timers: Set<NodeJS.Timeout>;
  /** Responses held open by `hang` faults, destroyed on close. */
  hung: Set<ServerResponse>;
}

const DEBUG_USER: AuthenticatedUser = { claims: {}, scopes: [], selfSigned: false, debug: true };

function track(res: ServerResponse, rec: RecordedRequest): void {
  res.on('close', () => {
    if (rec.outcome === 'pending' || rec.outcome === 'hang') {
      rec.outcome = res.writableFinished ? 'answered' : 'aborted';
    }
  });
}

function reply(
  res: ServerResponse,
  rec: RecordedRequest,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  rec.status = status;
  rec.outcome = 'answered';
  sendJson(res, status, body, headers);
}

async function authenticate(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RecordedRequest,
): Promise<AuthenticatedUser | undefined> {
  if (!ctx.verifyTokens) return DEBUG_USER;
  const result = await ctx.verifier.authenticate(req.headers);
  if (result.ok) return result.user;
  if (result.detail) rec.authError = result.detail;
  reply(res, rec, 401, { error: result.error });
  return undefined;
}

function can(user: AuthenticatedUser, scope: string, allowSelfSigned: boolean): boolean {
  if (user.debug) return true;
  if (user.selfSigned && !allowSelfSigned) return false;
  return user.scopes.includes(scope);
}

/** `POST /v2/code/completions`, `/v2/completions`, `/v3/code/completions`, `/v4/code/suggestions`. */
export async function handleSuggestion(
  ctx: GatewayContext,
  api: StubApi,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: string,
): Promise<void> {
  const parsed = parseBody(raw);
  const rec = ctx.recorder.start(req, path, parsed.ok ? parsed.value : parsed.raw);
  track(res, rec);
  const user = await authenticate(ctx, req, res, rec);
  if (!user) return;
  if (!parsed.ok || parsed.value === null) {
    const issue = parsed.ok ? MISSING_BODY : jsonInvalidIssue(parsed.raw, parsed.error);
    rec.validationErrors = [issue];
    reply(res, rec, 422, validationErrorBody([issue], ctx.validationDetail));
    return;
  }
  const validated = validateSuggestion(api, parsed.value);
  if (!validated.ok) {
    if (validated.status === 500) {
      // An error the gateway does not handle: Starlette's plain-text 500.
      rec.serverError = validated.reason;
      rec.status = 500;
      rec.outcome = 'answered';
      sendInternalServerError(res);
      return;
    }
    rec.validationErrors = validated.issues;
    reply(res, rec, 422, validationErrorBody(validated.issues, ctx.validationDetail));
    return;
  }
  const sreq = validated.value;
  const denied = scopeDenial(user, api, sreq);
  if (denied) {
    reply(res, rec, 403, { detail: denied });
    return;
  }
  rec.model = { ...sreq.model };
  if (sreq.modelMetadataIgnored) rec.modelMetadataIgnored = sreq.modelMetadataIgnored;

  const fault = ctx.faults.pick(faultTarget(api, sreq));
  if (fault) {
    rec.faultId = fault.id;
    if (await applyFault(ctx, fault, req, res, rec)) return;
  }
  await answer(ctx, api, sreq, req, res, rec, fault?.stallAfterChunks);
}

function scopeDenial(
  user: AuthenticatedUser,
  api: StubApi,
  sreq: SuggestionRequest,
): string | undefined {
  if (api === 'v2') return can(user, SCOPE_COMPLETE_CODE, true) ? undefined : FORBIDDEN.v2;
  if (sreq.kind === 'generation') {
    return can(user, SCOPE_GENERATE_CODE, false) ? undefined : FORBIDDEN.generations;
  }
  return can(user, SCOPE_COMPLETE_CODE, false) ? undefined : FORBIDDEN.suggestions;
}

/** Applies a fault; returns false when the request should still be answered normally. */
async function applyFault(
  ctx: GatewayContext,
  fault: Fault,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RecordedRequest,
): Promise<boolean> {
  if (fault.latencyMs) await sleep(fault.latencyMs, ctx.timers);
  if (res.destroyed) return true;
  if (fault.closeConnection) {
    rec.outcome = 'closed';
    req.socket.destroy();
    return true;
  }
  if (fault.hang) {
    rec.outcome = 'hang';
    ctx.hung.add(res);
    res.on('close', () => ctx.hung.delete(res));
    return true;
  }
  if (fault.status === undefined) return false;
  const headers: Record<string, string> = {};
  const retryAfter = fault.retryAfter ?? (fault.status === 429 ? 1 : undefined);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  rec.status = fault.status;
  rec.outcome = 'fault';
  sendJson(res, fault.status, fault.body ?? defaultFaultBody(fault.status), headers);
  return true;
}

async function answer(
  ctx: GatewayContext,
  api: StubApi,
  sreq: SuggestionRequest,
  req: IncomingMessage,
  res: ServerResponse,
  rec: RecordedRequest,
  stallAfterChunks?: number,
): Promise<void> {
  const a: AnswerInput = {
    api,
    kind: sreq.kind,
    variant: sreq.variant,
    model: sreq.model,
    fileName: sreq.fileName,
  };
  const flags = enabledFlags(header(req, 'x-gitlab-enabled-feature-flags'));
  const requestId = header(req, 'x-request-id');
  if (requestId) res.setHeader('x-request-id', requestId);
  const stall = () => {
    rec.outcome = 'hang';
    ctx.hung.add(res);
    res.on('close', () => ctx.hung.delete(res));
  };
  if (!sreq.stream) {
    if (stallAfterChunks !== undefined) {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      stall();
      return;
    }
    reply(res, rec, 200, completionBody(a, flags, ctx.region));
    return;
  }
  rec.status = 200;
  const streamOpts = {
    chunkCount: ctx.streamChunkCount,
    chunkDelayMs: ctx.streamChunkDelayMs,
    timers: ctx.timers,
    onText: (text: string) => (rec.streamed = (rec.streamed ?? '') + text),
    ...(stallAfterChunks !== undefined ? { stallAfter: stallAfterChunks, onStall: stall } : {}),
  };
  if (api === 'v4') await streamSse(res, a, flags, ctx.region, ctx.sseLineSeparator, streamOpts);
  else await streamRaw(res, a, streamOpts);
}

/** `POST /v1/code/user_access_token`: GitLab.com's way to get a token for direct access. */
export async function handleUserAccessToken(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: string,
): Promise<void> {
  const parsed = parseBody(raw);
  const rec = ctx.recorder.start(req, path, parsed.ok ? parsed.value : parsed.raw);
  track(res, rec);
  const user = await authenticate(ctx, req, res, rec);
  if (!user) return;
  const scopes = [SCOPE_COMPLETE_CODE, SCOPE_MODEL_PROXY].filter((s) => can(user, s, false));
  if (scopes.length === 0) {
    reply(res, rec, 403, { detail: FORBIDDEN.userAccessToken });
    return;
  }
  const values: Record<string, string | undefined> = {};
  for (const name of [HEADER_GLOBAL_USER_ID, HEADER_INSTANCE_ID, HEADER_REALM]) {
    values[name] = header(req, name.toLowerCase());
    if (!values[name]) {
      reply(res, rec, 400, { detail: `Missing ${name} header` });
      return;
    }
  }
  const claims = user.claims;
  const realm =
    typeof claims.gitlab_realm === 'string' && claims.gitlab_realm
      ? claims.gitlab_realm
      : values[HEADER_REALM];
  const extra: Record<string, unknown> = {
    gitlab_realm: realm,
    gitlab_instance_id:
      typeof claims.gitlab_instance_id === 'string' && claims.gitlab_instance_id
        ? claims.gitlab_instance_id
        : values[HEADER_INSTANCE_ID],
    scopes,
  };
  if (claims.duo_seat_count) extra.duo_seat_count = claims.duo_seat_count;
  if (realm === 'saas') {
    for (const h of ['project-id', 'namespace-id', 'root-namespace-id']) {
      const v = header(req, `x-gitlab-${h}`);
      if (v) extra[`gitlab_${h.replace(/-/g, '_')}`] = v;
    }
  }
  const { token, expiresAt } = await ctx.authority.sign(extra, {
    issuer: ctx.selfIssuer,
    audience: ctx.audience,
    subject: values[HEADER_GLOBAL_USER_ID] ?? '',
  });
  reply(res, rec, 200, { token, expires_at: expiresAt });
}
