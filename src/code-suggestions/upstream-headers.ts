import { FORWARDED_CLIENT_HEADERS } from '../gateway/gateway.types';

/** Only the allowed client headers go upstream; every other client header is dropped. */
export function forwardedClientHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED_CLIENT_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string' && v.length <= 1024) out[name] = v;
  }
  return out;
}
