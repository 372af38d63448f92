import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/**
 * AES-256-GCM for private signing keys at rest. The AES key is derived once with scrypt from the
 * signing-key secret (SIGNING_KEY_SECRET, or the generated secret file), so a short or
 * human-chosen secret still costs an attacker a memory-hard derivation per guess.
 *
 * Stored form: `v1.<iv>.<tag>.<ciphertext>` (base64url). The kid is authenticated data: a
 * ciphertext copied to another row fails to decrypt, like a tampered one.
 */
const FORMAT = 'v1';
const KDF_SALT = 'switchboard/signing-keys/v1';
const KDF = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SigningKeyDecryptionError extends Error {
  constructor(
    readonly kid: string,
    secretSource: string,
  ) {
    super(
      `Cannot decrypt signing key ${kid}: the signing-key secret (${secretSource}) is not the one ` +
        'this key was encrypted with, or the stored key was altered. Start with the original secret. ' +
        'To start over instead, delete the rows of the signing_keys table (tokens already issued ' +
        'will stop verifying).',
    );
    this.name = 'SigningKeyDecryptionError';
  }
}

export class SigningKeyCipher {
  private constructor(
    private readonly key: Buffer,
    /** Where the secret came from, for messages (never the secret itself). */
    readonly secretSource: string,
  ) {}

  static async fromSecret(secret: string, secretSource: string): Promise<SigningKeyCipher> {
    const key = await new Promise<Buffer>((resolve, reject) => {
      scrypt(secret, KDF_SALT, 32, KDF, (err, derived) => (err ? reject(err) : resolve(derived)));
    });
    return new SigningKeyCipher(key, secretSource);
  }

  encrypt(plaintext: Buffer, kid: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadFor(kid));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext].map(b64).join('.');
  }

  /** Throws SigningKeyDecryptionError on a wrong secret, a tampered value or a foreign kid. */
  decrypt(stored: string, kid: string): Buffer {
    const parts = stored.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) {
      throw new SigningKeyDecryptionError(kid, this.secretSource);
    }
    const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new SigningKeyDecryptionError(kid, this.secretSource);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aadFor(kid));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new SigningKeyDecryptionError(kid, this.secretSource);
    }
  }
}

function aadFor(kid: string): Buffer {
  return Buffer.from(`switchboard:signing-key:${kid}`, 'utf8');
}

function b64(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('base64url');
}
