import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';

/**
 * Sends `body` as JSON with `Cache-Control: public, max-age=<maxAgeSec>` and a strong ETag;
 * answers 304 without a body when If-None-Match names the current ETag.
 */
export function sendCacheableJson(
  req: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  maxAgeSec: number,
): void {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
  void reply.header('Cache-Control', `public, max-age=${maxAgeSec}`).header('ETag', etag);
  if (matchesEtag(req.headers['if-none-match'], etag)) {
    void reply.status(304).send();
    return;
  }
  void reply.status(200).header('Content-Type', 'application/json; charset=utf-8').send(json);
}

/** RFC 9110 weak comparison: `*`, or any listed tag equal to ours ignoring a `W/` prefix. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}
