import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileUri, initializeLanguageServer, type LanguageServerSettingsOptions } from './handshake';
import { type LspClient, requestInlineCompletion, startLanguageServer } from './lsp-client';

/** Where the cursor is in the workspace's one file, for an inline completion request. */
export interface Cursor {
  line: number;
  character: number;
}

/**
 * A scratch workspace with one source file, and the real Language Server sessions opened on it
 * (each with its own home, as two IDEs on one machine). `dispose` ends every session and removes
 * the files. Shared by the LS e2e specs, which differ in what they ask, not in how they start.
 */
export class LanguageServerWorkspace {
  readonly root: string;
  readonly dir: string;
  readonly file: string;
  readonly uri: string;
  private readonly clients: LspClient[] = [];

  constructor(
    private readonly bundlePath: string,
    fileName: string,
    readonly text: string,
  ) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ls-'));
    this.dir = path.join(this.root, 'ws');
    fs.mkdirSync(this.dir);
    this.file = path.join(this.dir, fileName);
    fs.writeFileSync(this.file, text);
    this.uri = fileUri(this.file);
  }

  /** A new LS process, initialised against `settings.baseUrl` with `settings.token`. */
  async open(settings: LanguageServerSettingsOptions): Promise<LspClient> {
    const client = startLanguageServer({
      bundlePath: this.bundlePath,
      home: fs.mkdtempSync(path.join(this.root, 'home-')),
    });
    this.clients.push(client);
    await initializeLanguageServer(client, { ...settings, workspaceDir: this.dir });
    return client;
  }

  /** An inline completion at `at` in the workspace's file, as an editor asks for it. */
  complete(client: LspClient, at: Cursor, languageId = 'python') {
    return requestInlineCompletion(client, { uri: this.uri, text: this.text, ...at, languageId });
  }

  async dispose(): Promise<void> {
    for (const c of this.clients) await c.dispose();
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
