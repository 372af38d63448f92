/**
 * The LSP handshake the GitLab Language Server (8.54, @gitlab/web-ide) needs before it suggests:
 * initialize -> initialized -> workspace/didChangeConfiguration {settings} -> wait until the LS
 * reports the `authentication` feature as usable. See docs/language-server.md.
 */
import { pathToFileURL } from 'node:url';
import type { LspClient } from './lsp-client';

export interface InitializeResult {
  capabilities: Record<string, unknown>;
  serverInfo?: { name: string; version?: string };
}

interface FeatureState {
  featureId: string;
  engagedChecks: { checkId: string; details?: string }[];
}

export interface LanguageServerSettingsOptions {
  /** Switchboard's URL, e.g. http://127.0.0.1:8080 (the LS appends /api/v4/...). */
  baseUrl: string;
  /** A personal access token whose scopes include `api` (the LS refuses any other). */
  token: string;
  /** Sent as `project_path` to direct_access / completions; default ''. */
  projectPath?: string;
  /** LS log level on stderr; default 'debug' (the fetch lines are the useful part). */
  logLevel?: 'debug' | 'info' | 'warning' | 'error';
  /** The LS's suggestion cache; default false so every request reaches the network. */
  suggestionsCache?: boolean;
  /**
   * Client flag `streamCodeGenerations`; default false, so every request is a plain completion.
   * On, an Automatic request the LS reads as a generation is streamed (streaming.ts).
   */
  streamCodeGenerations?: boolean;
  /** Merged last (deep enough for our use: top-level keys replace). */
  extra?: Record<string, unknown>;
}

/** The `settings` object of workspace/didChangeConfiguration (merged into the LS config). */
export function buildLanguageServerSettings(
  options: LanguageServerSettingsOptions,
): Record<string, unknown> {
  return {
    baseUrl: options.baseUrl,
    token: options.token,
    ...(options.projectPath !== undefined && { projectPath: options.projectPath }),
    logLevel: options.logLevel ?? 'debug',
    telemetry: { enabled: false }, // no Snowplow, no Sentry (instance track_event still happens)
    codeCompletion: { enabled: true },
    suggestionsCache: { enabled: options.suggestionsCache ?? false },
    featureFlags: { streamCodeGenerations: options.streamCodeGenerations ?? false },
    ...options.extra,
  };
}

export interface InitializeLanguageServerOptions extends LanguageServerSettingsOptions {
  /** Existing directory used as the single workspace folder (documents should live in it). */
  workspaceDir: string;
  clientInfo?: { name: string; version: string };
  /** Timeout of `initialize` (cold start of a 10 MB bundle); default 30 000 ms. */
  initializeTimeoutMs?: number;
  /** Timeout for the token check to pass after the settings are sent; default 20 000 ms. */
  readyTimeoutMs?: number;
}

/** initialize + initialized + didChangeConfiguration, then waitForLanguageServerReady(). */
export async function initializeLanguageServer(
  client: LspClient,
  options: InitializeLanguageServerOptions,
): Promise<InitializeResult> {
  const clientInfo = options.clientInfo ?? { name: 'switchboard-e2e', version: '1.0.0' };
  const rootUri = pathToFileURL(options.workspaceDir).href;
  const result = await client.request<InitializeResult>(
    'initialize',
    {
      processId: process.pid, // the LS exits when this process dies
      clientInfo,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
      capabilities: {
        textDocument: {
          inlineCompletion: { dynamicRegistration: false },
          completion: { completionItem: { snippetSupport: false } },
          synchronization: { didSave: false, dynamicRegistration: false },
        },
        workspace: {
          configuration: false,
          workspaceFolders: true,
          didChangeConfiguration: { dynamicRegistration: false },
        },
        window: { workDoneProgress: false },
      },
      initializationOptions: {
        extension: clientInfo, // -> telemetry.extension (X-Gitlab-* client headers are NOT sent)
        ide: { name: 'switchboard-e2e', version: '1.0.0', vendor: 'Switchboard' },
      },
    },
    options.initializeTimeoutMs ?? 30_000,
  );
  client.notify('initialized', {});
  const ready = waitForLanguageServerReady(client, options.readyTimeoutMs ?? 20_000);
  client.notify('workspace/didChangeConfiguration', {
    settings: buildLanguageServerSettings(options),
  });
  await ready;
  return result;
}

/** Replaces settings mid-session. A NEW token or baseUrl also drops cached direct_access details. */
export async function updateLanguageServerSettings(
  client: LspClient,
  options: LanguageServerSettingsOptions,
  readyTimeoutMs = 20_000,
): Promise<void> {
  client.notify('workspace/didChangeConfiguration', {
    settings: buildLanguageServerSettings(options),
  });
  // Let the LS re-run its token check; an unchanged token causes no HTTP at all.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await waitForLanguageServerReady(client, readyTimeoutMs);
}

function featureStates(params: unknown): FeatureState[] {
  // Sent as `[[{featureId, engagedChecks, allChecks}, ...]]`.
  const list: unknown = Array.isArray(params) && Array.isArray(params[0]) ? params[0] : params;
  return Array.isArray(list) ? (list as FeatureState[]) : [];
}

/** The LS's own verdict on an API state, as sent in `$/gitlab/featureStateChange`. */
export function isFeatureUsable(params: unknown, featureId: string): boolean {
  const state = featureStates(params).find((s) => s.featureId === featureId);
  return state !== undefined && state.engagedChecks.length === 0;
}

/**
 * Resolves once `$/gitlab/featureStateChange` says `authentication` is usable (token check,
 * /api/v4/version and the API client are done); rejects early with the LS's message when it sends
 * `$/gitlab/token/check` (bad token, scope without `api`, version endpoint failing...). Before this,
 * inlineCompletion answers `{items: []}`; after a failed check it never answers at all.
 */
export async function waitForLanguageServerReady(
  client: LspClient,
  timeoutMs = 20_000,
): Promise<void> {
  const stop = new AbortController();
  const tokenProblem = client
    .waitForNotification<{ message?: string }>('$/gitlab/token/check', () => true, {
      timeoutMs,
      includePast: false,
      signal: stop.signal,
    })
    .then(
      (params) => {
        throw new Error(`GitLab LS rejected the connection: ${params.message ?? 'token check'}`);
      },
      () => new Promise<never>(() => undefined), // timed out / stopped: the other side decides
    );
  const ready = client.waitForNotification(
    '$/gitlab/featureStateChange',
    (params) => isFeatureUsable(params, 'authentication'),
    { timeoutMs, signal: stop.signal },
  );
  try {
    await Promise.race([ready, tokenProblem]);
  } finally {
    stop.abort();
  }
}

/** file:// URI of a path (what `uri` in requestInlineCompletion expects). */
export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}
