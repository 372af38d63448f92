import { mkdtempSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveSigningKeySecret, SECRET_FILE_NAME } from '../../../src/tokens/signing-key-secret';
import { SECRET } from './tokens-fakes';

function config(opts: { secret?: string; dataDir?: string; embedded?: boolean } = {}) {
  return {
    jwt: {
      audience: 'gitlab-ai-gateway',
      signingKeySecret: opts.secret,
      gatewayJwksCacheSec: 86_400,
    },
    database: {
      url: opts.embedded === false ? 'postgres://db/x' : undefined,
      dataDir: opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'sb-secret-')),
      embedded: opts.embedded ?? true,
    },
  };
}

describe('resolveSigningKeySecret', () => {
  it('uses SIGNING_KEY_SECRET when set and writes no file', () => {
    const c = config({ secret: SECRET });
    expect(resolveSigningKeySecret(c)).toEqual({
      value: SECRET,
      source: 'SIGNING_KEY_SECRET',
      generated: false,
    });
    expect(() => statSync(path.join(c.database.dataDir, 'keys'))).toThrow();
  });

  it('otherwise generates 32 random bytes once into DATA_DIR/keys with mode 0600', () => {
    const c = config();
    const first = resolveSigningKeySecret(c);
    const file = path.join(c.database.dataDir, 'keys', SECRET_FILE_NAME);
    expect(first).toMatchObject({ source: file, generated: true });
    expect(Buffer.from(first.value, 'base64url')).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

    const second = resolveSigningKeySecret(c);
    expect(second).toEqual({ ...first, generated: false });
    expect(readFileSync(file, 'utf8').trim()).toBe(first.value);
  });

  it('warns about a secret file others can read, and about a shared database', () => {
    const c = config({ embedded: false });
    const warnings: string[] = [];
    resolveSigningKeySecret(c, (msg) => warnings.push(msg));
    chmodSync(path.join(c.database.dataDir, 'keys', SECRET_FILE_NAME), 0o644);
    resolveSigningKeySecret(c, (msg) => warnings.push(msg));
    expect(warnings.some((w) => w.includes('chmod 600'))).toBe(true);
    expect(warnings.some((w) => w.includes('set SIGNING_KEY_SECRET'))).toBe(true);
  });

  it('refuses a truncated secret file with a message naming it', () => {
    const c = config();
    const { source } = resolveSigningKeySecret(c);
    writeFileSync(source, 'short\n');
    expect(() => resolveSigningKeySecret(c)).toThrow(
      /signing-key-secret holds fewer than 32 characters/,
    );
  });
});
