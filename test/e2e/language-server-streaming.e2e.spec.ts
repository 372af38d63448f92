import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LanguageServerWorkspace,
  locateLanguageServerBundle,
  requestStreamedGeneration,
  StreamedGeneration,
} from '../support/language-server';
import { startStack, Stack } from '../support/stack';
import { BACKENDS } from '../support/test-database';

// Boots servers and the language server, does real I/O: more than jest's default 5 s.
jest.setTimeout(60_000);

const bundlePath = locateLanguageServerBundle();
const suite = bundlePath ? describe.each(BACKENDS) : describe.skip.each(BACKENDS);

/**
 * The real GitLab Language Server with `streamCodeGenerations` on: a comment above an empty line
 * is a generation, which the LS streams through our completions endpoint (never direct) and shows
 * chunk by chunk. What the editor ends with must be exactly what the twin gateway streamed, read
 * from the twin's own record of the chunks it wrote, for the API routing chose.
 */
suite('GitLab Language Server streaming generations (%s)', (backend) => {
  let ws: LanguageServerWorkspace;
  const stacks: Stack[] = [];

  const generate = async (s: Stack) => {
    const { user } = await s.f.seatedUser();
    const client = await ws.open({
      baseUrl: s.app.url,
      token: user.token,
      streamCodeGenerations: true,
    });
    const from = s.mark();
    const shown = await requestStreamedGeneration(client, {
      uri: ws.uri,
      text: ws.text,
      line: 1,
      character: 0,
      languageId: 'python',
    });
    return { shown, upstream: s.since(from).filter((r) => /^\/v\d\//.test(r.path)), client };
  };

  const streamedGeneration = {
    prompt_components: [{ type: 'code_editor_generation', payload: { stream: true } }],
  };

  /** Every update extends the one before: the editor's text only grows while streaming. */
  const expectGrowing = (shown: StreamedGeneration) => {
    expect(shown.updates.length).toBeGreaterThan(0);
    const grows = shown.updates.every((u, i) => (shown.updates[i + 1] ?? shown.text).startsWith(u));
    expect({ updates: shown.updates, grows }).toMatchObject({ grows: true });
  };

  beforeAll(() => {
    ws = new LanguageServerWorkspace(bundlePath!, 'fib.py', '# return the n-th fibonacci number\n');
  });
  afterAll(async () => {
    await ws?.dispose();
    for (const s of stacks) await s.close();
  });

  it('v4: the LS says it reads SSE, the twin streams SSE events, the editor shows their content', async () => {
    const s = await startStack({ backend });
    stacks.push(s);
    const { shown, upstream, client } = await generate(s);

    expect(upstream.map((r) => r.path)).toEqual(['/v4/code/suggestions']);
    const [up] = upstream;
    expect(up.body).toMatchObject(streamedGeneration);
    expect(up.outcome).toBe('answered');
    expect(up.streamed).toContain(' via v4\n');
    expect(shown.text).toBe(up.streamed);
    expectGrowing(shown);
    // The LS parsed SSE frames (it logs each event): our X-Streaming-Format reached it.
    expect(client.stderr).toContain('Received SSE event: content_chunk');
  }, 90_000);

  it('v3: routing without SSE streams raw text chunks, and the editor shows them as sent', async () => {
    // A catalogue whose SSE clients still get v3: the LS's header no longer picks v4.
    const models = path.join(ws.root, 'models-v3.yml');
    const shipped = fs.readFileSync(path.resolve(__dirname, '../../config/models.yml'), 'utf8');
    const v3 = shipped.replace(/^(\s+sse:\s*)v4\b/m, '$1v3');
    expect(v3).not.toBe(shipped);
    fs.writeFileSync(models, v3);
    const s = await startStack({ backend, env: { MODELS_FILE: models } });
    stacks.push(s);
    const { shown, upstream, client } = await generate(s);

    expect(upstream.map((r) => r.path)).toEqual(['/v3/code/completions']);
    const [up] = upstream;
    expect(up.body).toMatchObject(streamedGeneration);
    expect(up.outcome).toBe('answered');
    expect(up.streamed).toContain(' via v3\n');
    expect(shown.text).toBe(up.streamed);
    expectGrowing(shown);
    expect(client.stderr).not.toContain('Received SSE event');
  }, 90_000);
});
