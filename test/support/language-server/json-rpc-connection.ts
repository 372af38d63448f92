/**
 * JSON-RPC 2.0 over a byte stream pair with LSP `Content-Length` framing. Used by lsp-client.ts;
 * knows nothing about processes or the GitLab Language Server.
 */
import type { Readable, Writable } from 'node:stream';

export interface RpcNotification {
  method: string;
  params: unknown;
  receivedAt: number;
}

export interface RpcServerRequest extends RpcNotification {
  id: number | string;
}

/** Answers a request the other side sends us; may be async. `undefined` is sent as `null`. */
export type ServerRequestHandler = (params: unknown) => unknown;

export class LspRequestError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${message} (code ${code})`);
    this.name = 'LspRequestError';
  }
}

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class JsonRpcConnection {
  readonly notifications: RpcNotification[] = [];
  readonly serverRequests: RpcServerRequest[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(n: RpcNotification) => void>();
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private closedReason: string | undefined;

  constructor(
    input: Readable,
    private readonly output: Writable,
    private readonly handlers: Record<string, ServerRequestHandler>,
    private readonly onProtocolError: (text: string) => void = () => undefined,
  ) {
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    output.on('error', () => undefined); // EPIPE once the peer died: reported by the owner
  }

  get isClosed(): boolean {
    return this.closedReason !== undefined;
  }

  request<T>(method: string, params: unknown, timeoutMs: number): Promise<T> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new Error(`${method}: ${this.closedReason}`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.write({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } });
        reject(new Error(`${method}: no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: (v) => resolve(v as T), reject, timer });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Fire-and-forget request whose answer is ignored (e.g. `shutdown` while disposing). */
  sendUnawaited(method: string, params?: unknown): void {
    this.write({ jsonrpc: '2.0', id: this.nextId++, method, params });
  }

  onNotification(listener: (n: RpcNotification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setHandler(method: string, handler: ServerRequestHandler): void {
    this.handlers[method] = handler;
  }

  /** Rejects every pending request and refuses new ones. Idempotent. */
  close(reason: string): void {
    this.closedReason ??= reason;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new Error(`${p.method}: ${reason}`));
    }
  }

  private write(message: object): void {
    if (this.closedReason !== undefined || !this.output.writable) return;
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.output.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const match = /Content-Length:\s*(\d+)/i.exec(header);
      if (!match) {
        this.onProtocolError(`[json-rpc] header without Content-Length dropped: ${header}`);
        this.buffer = this.buffer.subarray(headerEnd + 4);
        continue;
      }
      const end = headerEnd + 4 + Number(match[1]);
      if (this.buffer.length < end) return;
      const body = this.buffer.subarray(headerEnd + 4, end).toString('utf8');
      this.buffer = this.buffer.subarray(end);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(body) as Record<string, unknown>;
      } catch {
        this.onProtocolError(`[json-rpc] unparsable message dropped: ${body.slice(0, 500)}`);
        continue;
      }
      this.dispatch(message);
    }
  }

  private dispatch(msg: Record<string, unknown>): void {
    const receivedAt = Date.now();
    const { id, method } = msg;
    if (typeof method === 'string' && (typeof id === 'number' || typeof id === 'string')) {
      this.serverRequests.push({ id, method, params: msg.params, receivedAt });
      this.answer(id, method, msg.params);
    } else if (typeof method === 'string') {
      const n: RpcNotification = { method, params: msg.params, receivedAt };
      this.notifications.push(n);
      for (const listener of [...this.listeners]) listener(n);
    } else if (typeof id === 'number') {
      const p = this.pending.get(id);
      if (!p) return; // arrived after its timeout
      this.pending.delete(id);
      clearTimeout(p.timer);
      const error = msg.error as { code?: number; message?: string; data?: unknown } | undefined;
      if (error) {
        p.reject(new LspRequestError(p.method, error.code ?? 0, error.message ?? '', error.data));
      } else {
        p.resolve(msg.result ?? null);
      }
    }
  }

  private answer(id: number | string, method: string, params: unknown): void {
    const handler = this.handlers[method];
    Promise.resolve()
      .then(() => (handler ? handler(params) : null))
      .then(
        (result) => this.write({ jsonrpc: '2.0', id, result: result ?? null }),
        (err: unknown) =>
          this.write({ jsonrpc: '2.0', id, error: { code: -32603, message: String(err) } }),
      );
  }
}
