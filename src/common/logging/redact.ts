/**
 * Deep, key-based redaction for log objects. pino's path redaction (fast-redact) has no
 * "any depth" wildcard and every wildcard path costs time on every log call (measured: the
 * paths for three levels of headers and token fields made a completion log line ~3x slower),
 * so secrets are found by key name instead: any depth up to MAX_DEPTH, case-insensitive, and
 * copy-on-write, so the caller's objects are never modified and clean objects are not copied.
 */
import { CENSOR, loggedUrl } from './logged-url';

export { CENSOR };

const SECRET_KEYS = new Set([
  'authorization',
  'proxy-authorization',
  'private-token',
  'cookie',
  'set-cookie',
  'x-api-key',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'apitoken',
  'admintoken',
  'secret',
  'signingkeysecret',
  'privatekey',
  'private_key',
  'password',
]);

/** Fields holding a request URL: logged through loggedUrl, so no query secret survives. */
const URL_KEYS = new Set(['url', 'originalurl', 'path']);

/** Deep enough for an axios error's `err.response.config.headers.authorization`. */
const MAX_DEPTH = 6;

/** Plain data, arrays, errors and axios' header bags; never sockets, streams or buffers. */
function walkable(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value) || value instanceof Error) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return true;
  return (proto as { constructor?: { name?: string } }).constructor?.name === 'AxiosHeaders';
}

/** A copy with the same prototype and own properties (an Error stays an Error for pino). */
function shallowCopy<T extends object>(value: T): T {
  if (Array.isArray(value)) return value.slice() as T;
  return Object.create(
    Object.getPrototypeOf(value) as object | null,
    Object.getOwnPropertyDescriptors(value),
  ) as T;
}

export function redactSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || !walkable(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const lower = key.toLowerCase();
    const redacted =
      v !== undefined && v !== null && SECRET_KEYS.has(lower)
        ? CENSOR
        : URL_KEYS.has(lower) && typeof v === 'string'
          ? loggedUrl(v)
          : redactSecrets(v, depth + 1);
    if (redacted !== v) {
      copy ??= shallowCopy(value);
      copy[key] = redacted;
    }
  }
  return (copy ?? value) as T;
}
