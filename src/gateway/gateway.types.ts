import type { Readable } from 'node:stream';

/** The gateway base URL in force now: settings' ai_gateway_url, else AIGW_URL, else the built-in stub. */
export { GATEWAY_BASE_URL, type GatewayBaseUrl } from '../tokens/tokens.tokens';

export interface UpstreamRequest {
  path: string;
  body: unknown;
  headers: Record<string, string>;
  stream: boolean;
  /** Aborts the upstream call (client went away, or our deadline). */
  signal?: AbortSignal;
  timeoutMs: number;
}

export type UpstreamResponse =
  | {
      kind: 'json';
      status: number;
      headers: Record<string, string>;
      body: unknown;
      upstreamMs: number;
    }
  | {
      kind: 'stream';
      status: number;
      headers: Record<string, string>;
      stream: Readable;
      upstreamMs: number;
    };

/** Headers a client may send that we pass on to the gateway; every other client header is dropped. */
export const FORWARDED_CLIENT_HEADERS = [
  'user-agent',
  'x-gitlab-language-server-version',
  'x-gitlab-client-type',
  'x-gitlab-client-version',
  'x-gitlab-client-name',
  'x-gitlab-interface',
] as const;
