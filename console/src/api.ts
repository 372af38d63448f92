import type { Feature } from './types';

/**
 * The console's only way to the server: same-origin JSON calls with the admin token in the
 * PRIVATE-TOKEN header. The token lives in sessionStorage (gone when the tab closes), never in a
 * cookie (so no CSRF) and never in a URL (so never in access logs or history).
 */
const KEY = 'switchboard.console.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ended: Array<(why: string) => void> = [];

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  save: (token: string) => sessionStorage.setItem(KEY, token),
  clear: () => sessionStorage.removeItem(KEY),
  /** Told when the server refuses the signed-in token (revoked or expired): polling must stop. */
  onEnded: (listener: (why: string) => void) => {
    ended.push(listener);
    return () => void ended.splice(ended.indexOf(listener), 1);
  },
};

export async function api<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: Record<string, unknown>,
  token = session.token(),
): Promise<T> {
  return (await send<T>(method, path, body, token)).body;
}

/** One page of a paginated GitLab-style list, with its X-Total / X-Next-Page headers read. */
export async function apiPage<T>(
  path: string,
): Promise<{ items: T[]; total: number; page: number; totalPages: number }> {
  const { body, headers } = await send<T[]>('GET', path, undefined, session.token());
  const n = (h: string) => Number(headers.get(h) ?? '0') || 0;
  return {
    items: body,
    total: n('x-total'),
    page: n('x-page') || 1,
    totalPages: n('x-total-pages'),
  };
}

async function send<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body: Record<string, unknown> | undefined,
  token: string | null,
): Promise<{ body: T; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['PRIVATE-TOKEN'] = token;
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'omit',
    cache: 'no-store',
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (res.status === 401 && token !== null && token === session.token()) {
    // The token this tab signed in with is no longer accepted: end the session once, for all.
    session.clear();
    for (const l of [...ended]) l('Your session ended: the token was revoked or has expired.');
  }
  if (!res.ok) throw new ApiError(res.status, messageOf(parsed) ?? `HTTP ${res.status}`);
  return { body: parsed as T, headers: res.headers };
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { message?: unknown; error?: unknown };
  const m = b.message ?? b.error;
  if (typeof m === 'string') return m;
  if (m && typeof m === 'object') return JSON.stringify(m);
  return undefined;
}

export const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

interface Definition {
  name: string;
  type: string;
  default_enabled: boolean;
  description: string | null;
  rollout_issue_url: string | null;
}

/**
 * Every defined flag with its state: the Features API lists only flags that have been set (as
 * GitLab does), so the rest are shown from their definition's default.
 */
export async function loadFlags(): Promise<Feature[]> {
  const [defs, set] = await Promise.all([
    api<Definition[]>('GET', '/api/v4/features/definitions'),
    api<Feature[]>('GET', '/api/v4/features'),
  ]);
  return defs
    .map(
      (d) =>
        set.find((f) => f.name === d.name) ?? {
          name: d.name,
          state: d.default_enabled ? 'on' : 'off',
          gates: [{ key: 'boolean', value: d.default_enabled }],
          definition: d,
        },
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}
