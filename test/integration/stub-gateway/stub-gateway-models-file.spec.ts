import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startStubGateway } from '../../../src/stub-gateway/stub-gateway';
import { v2Body } from './fake-issuer';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/** The stub accepts the models of a Switchboard catalogue file (the `modelsFile` option). */
describe('stub gateway: models from a catalogue file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stub-models-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('accepts a model only the file lists; without the file it is a 422', async () => {
    const file = path.join(dir, 'models.yml');
    fs.writeFileSync(
      file,
      'models:\n  - key: m\n    provider: mistral\n    name: codestral-2508\n    prompt_version: 1\n',
    );
    const body = JSON.stringify(
      v2Body({ model_provider: 'mistral', model_name: 'codestral-2508' }),
    );
    const ask = async (modelsFile?: string) => {
      const gw = await startStubGateway({ verifyTokens: false, modelsFile });
      try {
        const res = await fetch(`${gw.url}/v2/code/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        return { status: res.status, body: (await res.json()) as any };
      } finally {
        await gw.close();
      }
    };
    expect((await ask()).status).toBe(422);
    const ok = await ask(file);
    expect(ok.status).toBe(200);
    expect(ok.body.choices[0].text).toMatch(/mistral\/codestral-2508/);
  });

  it('refuses to start on a file it cannot read', async () => {
    await expect(
      startStubGateway({ verifyTokens: false, modelsFile: path.join(dir, 'missing.yml') }),
    ).rejects.toThrow(/missing\.yml: cannot read the model catalogue/);
  });
});
