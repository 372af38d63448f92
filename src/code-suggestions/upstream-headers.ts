import { FORWARDED_CLIENT_HEADERS } from '../gateway/gateway.types';

/**
 * Only the allowed client headers go upstream, added to `out`; every other client header is
 * dropped.
 */
export function addForwardedClientHeaders(
  headers: Record<string, string | string[] | undefined>,
  out: Record<string, string> = {},
): Record<string, string> {
  for (const name of FORWARDED_CLIENT_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string' && v.length <= 1024) out[name] = v;
  }
  return out;
}
