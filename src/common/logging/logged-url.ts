/** What a secret is replaced with in every log line (also used by redact.ts). */
export const CENSOR = '[REDACTED]';

/**
 * Query parameters that carry a credential. GitLab clients put tokens in the query string
 * (`?private_token=`, `?job_token=`, OAuth's `?access_token=`), so a URL is never logged as is.
 */
const SECRET_PARAMS = new Set([
  'private_token',
  'job_token',
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'client_secret',
  'secret',
  'password',
  'code',
  'state',
  'feed_token',
  'runner_token',
  'authorization',
]);

function decodedKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * The URL as every log line records it: the path and query with the value of each secret
 * parameter replaced by [REDACTED] (matched case-insensitively on the decoded name, so
 * `PRIVATE%5FTOKEN=` is caught too). Other parameters keep their encoding, for debugging.
 */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const parts = query.split(/([&;])/).map((part) => {
    if (part === '&' || part === ';') return part;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    return SECRET_PARAMS.has(decodedKey(key)) ? `${key}=${CENSOR}` : part;
  });
  return `${url.slice(0, q)}?${parts.join('')}`;
}
