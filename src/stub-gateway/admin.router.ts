import type { IncomingMessage, ServerResponse } from 'node:http';
import { ZodError } from 'zod';
import type { FaultRegistry, FaultSpec } from './fault.registry';
import { sendJson } from './http.util';
import type { ModelOffer } from './model-offer';
import type { RequestRecorder } from './request.recorder';

export interface AdminContext {
  faults: FaultRegistry;
  recorder: RequestRecorder;
  /** Forgets the cached JWKS of every issuer (as a gateway restart does). */
  clearJwks: () => void;
  offer: ModelOffer;
  loopbackOnly: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/**
 * `/stub/*` admin endpoints (no auth): faults, recorded requests, JWKS cache, the model offer,
 * health. Answers and returns true
 * when the path is an admin path.
 */
export function handleAdmin(
  ctx: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: string,
): boolean {
  if (path !== '/stub' && !path.startsWith('/stub/')) return false;
  const method = req.method ?? 'GET';
  if (path === '/stub/health' && method === 'GET') {
    sendJson(res, 200, { status: 'ok' });
    return true;
  }
  if (ctx.loopbackOnly && !LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    sendJson(res, 403, { detail: 'stub admin endpoints are loopback-only' });
    return true;
  }
  if (path === '/stub/faults') {
    if (method === 'GET') sendJson(res, 200, ctx.faults.list());
    else if (method === 'DELETE') {
      ctx.faults.clear();
      noContent(res);
    } else if (method === 'PUT' || method === 'POST') addFault(ctx, res, raw);
    else sendJson(res, 405, { detail: 'Method Not Allowed' });
    return true;
  }
  if (path.startsWith('/stub/faults/')) {
    if (method !== 'DELETE') sendJson(res, 405, { detail: 'Method Not Allowed' });
    else if (ctx.faults.remove(decodeURIComponent(path.slice('/stub/faults/'.length))))
      noContent(res);
    else sendJson(res, 404, { detail: 'Fault not found' });
    return true;
  }
  if (path === '/stub/jwks/clear') {
    if (method !== 'POST') sendJson(res, 405, { detail: 'Method Not Allowed' });
    else {
      ctx.clearJwks();
      noContent(res);
    }
    return true;
  }
  if (path === '/stub/models/withdrawn') {
    handleWithdrawn(ctx, method, res, raw);
    return true;
  }
  if (path === '/stub/requests') {
    if (method === 'GET') sendJson(res, 200, ctx.recorder.entries);
    else if (method === 'DELETE') {
      ctx.recorder.clear();
      noContent(res);
    } else sendJson(res, 405, { detail: 'Method Not Allowed' });
    return true;
  }
  sendJson(res, 404, { detail: 'Not Found' });
  return true;
}

/** `PUT {"identifiers": [...]}` withdraws models from the offer; `DELETE` restores it. */
function handleWithdrawn(ctx: AdminContext, method: string, res: ServerResponse, raw: string) {
  if (method === 'GET') return sendJson(res, 200, { identifiers: ctx.offer.withdrawnIdentifiers });
  if (method === 'DELETE') {
    ctx.offer.restore();
    return noContent(res);
  }
  if (method !== 'PUT') return sendJson(res, 405, { detail: 'Method Not Allowed' });
  let ids: unknown;
  try {
    ids = (JSON.parse(raw) as { identifiers?: unknown }).identifiers;
  } catch {
    ids = undefined;
  }
  if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string'))
    return sendJson(res, 400, { detail: 'body must be {"identifiers": ["..."]}' });
  try {
    ctx.offer.withdraw(ids);
  } catch (err) {
    return sendJson(res, 400, { detail: (err as Error).message });
  }
  return sendJson(res, 200, { identifiers: ctx.offer.withdrawnIdentifiers });
}

function addFault(ctx: AdminContext, res: ServerResponse, raw: string): void {
  let spec: unknown;
  try {
    spec = raw === '' ? {} : JSON.parse(raw);
  } catch {
    sendJson(res, 400, { error: 'body is not JSON' });
    return;
  }
  try {
    const id = ctx.faults.add(spec as FaultSpec);
    sendJson(res, 201, { id });
  } catch (err) {
    if (err instanceof ZodError) {
      sendJson(res, 400, {
        error: 'invalid fault',
        issues: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
      return;
    }
    throw err;
  }
}
