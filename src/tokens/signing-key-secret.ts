import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '../config/app-config';

export interface SigningKeySecret {
  value: string;
  /** `SIGNING_KEY_SECRET` or the file path: for messages, never the value. */
  source: string;
  generated: boolean;
}

export const SECRET_FILE_NAME = 'signing-key-secret';
const MIN_SECRET_CHARS = 32;

/**
 * The secret the private signing keys are encrypted with: SIGNING_KEY_SECRET when set;
 * otherwise 32 random bytes generated once into `${DATA_DIR}/keys/signing-key-secret` (mode
 * 0600, directory 0700). The default DATA_DIR, `./.data`, is inside the working tree but
 * git-ignored (`.data/`), so the secret is never committed; point DATA_DIR elsewhere to keep it
 * out of the checkout altogether.
 * Instances that share a database must share the secret: set SIGNING_KEY_SECRET for them.
 */
export function resolveSigningKeySecret(
  config: Pick<AppConfig, 'jwt' | 'database'>,
  warn: (msg: string, extra?: Record<string, unknown>) => void = () => undefined,
): SigningKeySecret {
  if (config.jwt.signingKeySecret) {
    return { value: config.jwt.signingKeySecret, source: 'SIGNING_KEY_SECRET', generated: false };
  }
  const file = path.join(config.database.dataDir, 'keys', SECRET_FILE_NAME);
  const generated = createSecretFileOnce(file);
  const value = fs.readFileSync(file, 'utf8').trim();
  if (value.length < MIN_SECRET_CHARS) {
    throw new Error(
      `The signing-key secret file ${file} holds fewer than ${MIN_SECRET_CHARS} characters. ` +
        'Restore it from a backup, or set SIGNING_KEY_SECRET to the original secret.',
    );
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) {
    warn('signing-key secret file is readable by other users; run chmod 600 on it', {
      file,
      mode: mode.toString(8),
    });
  }
  if (!config.database.embedded) {
    warn(
      'SIGNING_KEY_SECRET is unset with a shared database: every instance needs the same secret, ' +
        'set SIGNING_KEY_SECRET (an instance with another secret cannot start)',
      { file },
    );
  }
  return { value, source: file, generated };
}

/** Atomic: concurrent starts on one DATA_DIR agree on a single secret (link fails if it exists). */
function createSecretFileOnce(file: string): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
