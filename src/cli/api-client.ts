/** Minimal client for a running Switchboard's HTTP API (the CLI never touches the database). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    hint?: string,
  ) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    super(`HTTP ${status}: ${text}${hint ? ` (${hint})` : ''}`);
  }
}

export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  /**
   * Every item of a paginated list: pages of 100 (the server's maximum), following X-Next-Page
   * until it is empty, so a CLI list is never silently cut at the server's default of 20.
   */
  async all<T = unknown>(path: string): Promise<T[]> {
    const items: T[] = [];
    const sep = path.includes('?') ? '&' : '?';
    for (let page: string | null = '1'; page;) {
      const { body, headers } = await this.request('GET', `${path}${sep}per_page=100&page=${page}`);
      items.push(...(body as T[]));
      page = headers.get('x-next-page');
    }
    return items;
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.request(method, path, body)).body as T;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ body: unknown; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers['private-token'] = this.token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const base = this.baseUrl.replace(/\/+$/, '');
    const res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    }).catch((err: Error & { cause?: { code?: string; message?: string } }) => {
      // fetch says only "fetch failed": name the URL and the reason (ECONNREFUSED, ENOTFOUND, …)
      const why = err.cause?.code ?? err.cause?.message ?? err.message;
      throw new Error(
        `cannot reach Switchboard at ${base} (${why}): is it running? Set SWITCHBOARD_URL or --url=`,
      );
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    if (res.status === 401) {
      throw new ApiError(401, parsed, 'is SWITCHBOARD_TOKEN (or --token=) a valid admin token?');
    }
    if (!res.ok) throw new ApiError(res.status, parsed);
    return { body: parsed, headers: res.headers };
  }
}
