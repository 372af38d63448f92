import { randomUUID } from 'node:crypto';

/** GitLab's request ids and the usual tracing ids (uuid, W3C trace id, `abc-123`) fit this. */
const SAFE_SHAPE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Credentials that fit the safe shape but must never be echoed, logged or sent upstream: GitLab's
 * token prefixes (personal, OAuth, deploy, runner, CI job, trigger, feed, incoming mail, agent,
 * SCIM, feature-flag client, workspace tokens), the runner registration prefix, and a JWT (our own
 * direct-access tokens are JWTs). Matched anywhere in the value, any case.
 */
const TOKEN_MARKERS =
  /gl(pat|oas|dt|rt|rtr|cbt|ptt|ft|imt|agent|soat|ffct|tst|wt|ws)-|GR1348941|eyJ[A-Za-z0-9_-]*\./i;

/** True when a client-sent X-Request-ID may be used as is: short, plain, and no credential. */
export function isSafeRequestId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_SHAPE.test(value) && !TOKEN_MARKERS.test(value);
}

/**
 * Incoming X-Request-ID when safe, else a new uuid (the incoming value is then dropped: not
 * echoed, not logged, not sent upstream). Fastify's genReqId: echoed on every answer and sent
 * upstream as the request's id.
 */
export function genRequestId(req: {
  headers: Record<string, string | string[] | undefined>;
}): string {
  const incoming = req.headers['x-request-id'];
  return isSafeRequestId(incoming) ? incoming : randomUUID();
}
