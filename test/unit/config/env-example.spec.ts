import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENV_VARIABLES } from '../../../src/config/app-config';

// .env.example is the reference for operators: every variable the config reads is listed there.
describe('.env.example', () => {
  const example = readFileSync(path.join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
  const documented = new Set(
    [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name),
  );

  it.each([...ENV_VARIABLES])('documents %s', (name) => {
    expect(documented.has(name)).toBe(true);
  });

  it('documents nothing the config does not read', () => {
    expect([...documented].filter((n) => !ENV_VARIABLES.includes(n))).toEqual([]);
  });
});
