import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldName } from './zod-messages';

/**
 * The one check of text from outside that no route can forget: PostgreSQL text cannot hold
 * U+0000 (error 22021, a 500), so a NUL anywhere in a path parameter, query parameter or body
 * (values and keys, at any depth) is refused with a 400 naming the field, before any handler,
 * pipe or repository sees it. Installed as a Fastify hook, so routes added later are covered.
 */
const NUL = '\u0000';
const MAX_DEPTH = 64;

/** The field (Grape style, `user[name]`) of the first string holding a NUL, or undefined. */
export function fieldWithNul(value: unknown, path: PropertyKey[] = []): string | undefined {
  if (typeof value === 'string') return value.includes(NUL) ? fieldName(path) : undefined;
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = fieldWithNul(value[i], [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    // A key with a NUL is named by its position only: the key itself is the bad text.
    if (key.includes(NUL)) return fieldName(path.length ? path : ['body']);
    const found = fieldWithNul(v, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function firstNulField(req: FastifyRequest): string | undefined {
  return (
    fieldWithNul(req.params ?? {}) ??
    fieldWithNul(req.query ?? {}) ??
    (req.bodyNulFree ? undefined : fieldWithNul(req.body ?? {}))
  );
}

/** A clear 400 (`<field> must not contain a NUL character`), the validation answer's shape. */
export function installTextGuard(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (req: FastifyRequest, reply: FastifyReply, done) => {
    const field = firstNulField(req);
    if (field === undefined) return done();
    void reply.code(400).send({ error: `${field} must not contain a NUL character` });
  });
}
