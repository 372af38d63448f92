/**
 * Small LSP client over stdio for driving the real GitLab Language Server (`main-bundle-node.js`
 * from @gitlab/web-ide, see locate-bundle.ts) in e2e tests. See docs/language-server.md.
 *
 * - Every request has a timeout; server -> client requests are always answered (defaults below,
 *   unknown methods get `null`) and recorded; notifications are recorded.
 * - stderr (the LS log) is kept in a bounded buffer: `client.stderr`.
 * - `dispose()` never hangs: shutdown/exit with short waits, then SIGKILL.
 *
 * Typical use: startLanguageServer() -> initializeLanguageServer() (handshake.ts) ->
 * requestInlineCompletion() -> dispose().
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JsonRpcConnection,
  type RpcNotification,
  type RpcServerRequest,
  type ServerRequestHandler,
} from './json-rpc-connection';

export { LspRequestError, type ServerRequestHandler } from './json-rpc-connection';
export type LspNotification = RpcNotification;
export type LspServerRequest = RpcServerRequest;

/** Answers of a plain editor; the GitLab LS (8.54) only sends `client/registerCapability`. */
export const DEFAULT_SERVER_REQUEST_HANDLERS: Readonly<Record<string, ServerRequestHandler>> = {
  'workspace/configuration': (params) =>
    ((params as { items?: unknown[] } | undefined)?.items ?? []).map(() => null),
  'client/registerCapability': () => null,
  'client/unregisterCapability': () => null,
  'window/workDoneProgress/create': () => null,
  'window/showMessageRequest': () => null,
  'window/showDocument': () => ({ success: false }),
  'workspace/applyEdit': () => ({ applied: false }),
};

export interface LspClientOptions {
  /** Default timeout of `request()`; default 15 000 ms (the LS's own HTTP timeout is 15 s). */
  requestTimeoutMs?: number;
  /** Override/extend the answers to server -> client requests, by method. */
  serverRequestHandlers?: Record<string, ServerRequestHandler>;
  /** Keep at most this many characters of stderr (the tail); default 2 000 000. */
  maxStderrChars?: number;
}

const live = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

export class LspClient {
  private readonly rpc: JsonRpcConnection;
  private readonly documents = new Map<string, { version: number; text: string }>();
  private readonly requestTimeoutMs: number;
  private readonly maxStderrChars: number;
  private stderrText = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private disposing: Promise<void> | undefined;

  constructor(
    readonly child: ChildProcessWithoutNullStreams,
    options: LspClientOptions = {},
  ) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
    this.maxStderrChars = options.maxStderrChars ?? 2_000_000;
    const handlers = { ...DEFAULT_SERVER_REQUEST_HANDLERS, ...options.serverRequestHandlers };
    this.rpc = new JsonRpcConnection(child.stdout, child.stdin, handlers, (text) =>
      this.appendStderr(`\n${text}\n`),
    );
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(child);
        this.rpc.close(
          `language server exited (code ${code}, signal ${signal})\n--- LS stderr (tail) ---\n` +
            this.stderrText.slice(-4000),
        );
        resolve();
      });
    });
    child.once('error', (err) => this.appendStderr(`\n[spawn error] ${err.message}\n`));
    child.stderr.on('data', (chunk: Buffer) => this.appendStderr(chunk.toString('utf8')));
  }

  /** All notifications received so far (e.g. `$/gitlab/featureStateChange`, `window/logMessage`). */
  get notifications(): readonly LspNotification[] {
    return this.rpc.notifications;
  }

  /** All server -> client requests received so far (already answered). */
  get serverRequests(): readonly LspServerRequest[] {
    return this.rpc.serverRequests;
  }

  /** The LS log so far (bounded tail). Its log level is set by `settings.logLevel`. */
  get stderr(): string {
    return this.stderrText;
  }

  get isRunning(): boolean {
    return this.exitInfo === undefined;
  }

  request<T = unknown>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
    if (this.disposing) return Promise.reject(new Error(`${method}: client disposed`));
    return this.rpc.request<T>(method, params, timeoutMs ?? this.requestTimeoutMs);
  }

  notify(method: string, params?: unknown): void {
    if (!this.disposing) this.rpc.notify(method, params);
  }

  /** Subscribe to notifications; returns an unsubscribe function. */
  onNotification(listener: (n: LspNotification) => void): () => void {
    return this.rpc.onNotification(listener);
  }

  /** Set (or replace) the answer to a server -> client request method. */
  setServerRequestHandler(method: string, handler: ServerRequestHandler): void {
    this.rpc.setHandler(method, handler);
  }

  /**
   * Resolves with the params of the first notification `method` matching `predicate`, including
   * ones already received unless `includePast` is false. Rejects after `timeoutMs` (default the
   * request timeout), when the LS exits or when `signal` aborts.
   */
  waitForNotification<T = unknown>(
    method: string,
    predicate: (params: T) => boolean = () => true,
    options: { timeoutMs?: number; includePast?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const matches = (n: LspNotification): boolean =>
      n.method === method && predicate(n.params as T);
    if (options.includePast !== false) {
      const past = this.notifications.find(matches);
      if (past) return Promise.resolve(past.params as T);
    }
    const ms = options.timeoutMs ?? this.requestTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const done = (settle: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        settle();
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no ${method} notification within ${ms} ms`))),
        ms,
      );
      const unsubscribe = this.onNotification((n) => {
        if (matches(n)) done(() => resolve(n.params as T));
      });
      void this.exited.then(() =>
        done(() => reject(new Error(`language server exited while waiting for ${method}`))),
      );
      options.signal?.addEventListener('abort', () =>
        done(() => reject(new Error(`stopped waiting for ${method}`))),
      );
    });
  }

  /** didOpen on first use of `uri`, full-text didChange afterwards (the LS syncs Full). */
  syncDocument(uri: string, text: string, languageId: string): void {
    const doc = this.documents.get(uri);
    if (!doc) {
      this.documents.set(uri, { version: 1, text });
      this.notify('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    } else if (doc.text !== text) {
      doc.version += 1;
      doc.text = text;
      this.notify('textDocument/didChange', {
        textDocument: { uri, version: doc.version },
        contentChanges: [{ text }],
      });
    }
  }

  /** shutdown + exit (short waits), then SIGKILL. Idempotent; resolves within ~4 s. */
  dispose(): Promise<void> {
    this.disposing ??= this.doDispose();
    return this.disposing;
  }

  private async doDispose(): Promise<void> {
    const wait = (ms: number): Promise<void> =>
      new Promise((resolve) => setTimeout(resolve, ms).unref());
    if (this.isRunning) {
      this.rpc.sendUnawaited('shutdown');
      await Promise.race([this.exited, wait(300)]);
      this.rpc.notify('exit');
      await Promise.race([this.exited, wait(700)]);
    }
    if (this.isRunning) {
      this.child.kill('SIGKILL');
      await Promise.race([this.exited, wait(3000)]);
    }
    this.rpc.close('client disposed');
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    this.child.stderr.destroy();
  }

  private appendStderr(text: string): void {
    this.stderrText += text;
    if (this.stderrText.length > this.maxStderrChars) {
      this.stderrText = this.stderrText.slice(-this.maxStderrChars);
    }
  }
}

export interface StartLanguageServerOptions {
  /** Path to main-bundle-node.js (see locateLanguageServerBundle()). */
  bundlePath: string;
  /** Scratch HOME for the LS (it writes ~/.gitlab/storage.json); created if missing. */
  home: string;
  /** Extra environment; `undefined` removes a variable. The base env is minimal (no proxies). */
  env?: Record<string, string | undefined>;
  /** Node binary; default the current one. */
  nodePath?: string;
  /** Working directory; default `home`. */
  cwd?: string;
  requestTimeoutMs?: number;
  serverRequestHandlers?: Record<string, ServerRequestHandler>;
}

/** Spawns `node main-bundle-node.js --stdio`. Do the handshake next: initializeLanguageServer(). */
export function startLanguageServer(options: StartLanguageServerOptions): LspClient {
  mkdirSync(options.home, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    XDG_CONFIG_HOME: join(options.home, '.config'),
    XDG_CACHE_HOME: join(options.home, '.cache'),
    XDG_DATA_HOME: join(options.home, '.local', 'share'),
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort if a test forgets dispose(): never leave a language server behind.
    process.on('exit', () => live.forEach((child) => child.kill('SIGKILL')));
  }
  const child = spawn(options.nodePath ?? process.execPath, [options.bundlePath, '--stdio'], {
    cwd: options.cwd ?? options.home,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new LspClient(child, {
    requestTimeoutMs: options.requestTimeoutMs,
    serverRequestHandlers: options.serverRequestHandlers,
  });
}

export interface InlineCompletionItem {
  insertText: string;
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  command?: { title: string; command: string; arguments?: unknown[] };
}

export interface InlineCompletionList {
  items: InlineCompletionItem[];
}

/** LSP 3.18 values (NOT 1/2 like CompletionTriggerKind). */
export const InlineCompletionTriggerKind = { Invoked: 0, Automatic: 1 } as const;

export interface InlineCompletionParams {
  uri: string;
  text: string;
  /** Cursor position, 0-based. The rest of the cursor's line must be empty or only `)}]"'`;,:{`. */
  line: number;
  character: number;
  /** Default from the file extension, else 'javascript'. */
  languageId?: string;
  /**
   * Default Invoked (0): no debounce, no tree-sitter, always a network request (choices_count 4),
   * but suggestions cached for the same spot are prepended. Automatic (1) is what an editor sends
   * while typing: 250 ms debounce, choices_count 1, may be answered from the cache alone.
   */
  triggerKind?: 0 | 1;
  timeoutMs?: number;
}

const LANGUAGE_BY_EXTENSION: Record<string, string> = {
  js: 'javascript',
  ts: 'typescript',
  py: 'python',
  rb: 'ruby',
  go: 'go',
  java: 'java',
  rs: 'rust',
};

/** Syncs `text` into the LS (didOpen/didChange) and asks for inline completions at the cursor. */
export async function requestInlineCompletion(
  client: LspClient,
  params: InlineCompletionParams,
): Promise<InlineCompletionList> {
  const extension = /\.([a-z0-9]+)$/i.exec(params.uri)?.[1]?.toLowerCase() ?? '';
  const languageId = params.languageId ?? LANGUAGE_BY_EXTENSION[extension] ?? 'javascript';
  client.syncDocument(params.uri, params.text, languageId);
  const result = await client.request<InlineCompletionList | InlineCompletionItem[] | null>(
    'textDocument/inlineCompletion',
    {
      textDocument: { uri: params.uri },
      position: { line: params.line, character: params.character },
      context: { triggerKind: params.triggerKind ?? InlineCompletionTriggerKind.Invoked },
    },
    params.timeoutMs,
  );
  if (!result) return { items: [] };
  return Array.isArray(result) ? { items: result } : { items: result.items ?? [] };
}
