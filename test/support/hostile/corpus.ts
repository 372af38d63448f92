import fc from 'fast-check';
import { Writable } from 'node:stream';

/**
 * Hostile text: what a database, a header or a URL decoder chokes on. Each entry has hurt a
 * service somewhere (NUL: PostgreSQL 22021; `%`/`_`: LIKE; `%25`: double decoding; a lone
 * surrogate: UTF-8 encoders; `__proto__`: object pollution; huge or deep values: parsers).
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '\u0000',
  'a\u0000b',
  '%',
  '_',
  'a%',
  '%_%',
  '\\',
  "'; DROP TABLE users; --",
  '../../etc/passwd',
  '%25',
  '%00',
  '%E0%A4%A',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(300),
  'gitlab.例え.jp',
  '\u202e\u2066',
  '\r\nX-Injected: 1',
  ' ',
  '',
  'x'.repeat(70_000),
  '__proto__',
  'constructor',
  '1e309',
  '-1',
  '99999999999999999999',
  'null',
  'true',
  '[object Object]',
];

export const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_STRINGS,
  null,
  true,
  0,
  -1,
  2 ** 31,
  Number.MAX_SAFE_INTEGER,
  1.5,
  [],
  ['\u0000'],
  {},
  { __proto__: { admin: true } },
  JSON.parse('{"__proto__":{"admin":true}}') as unknown,
  { constructor: { prototype: { admin: true } } },
  nested(200),
];

function nested(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A hostile string: from the corpus, or generated (any unicode, NUL and wildcards mixed in). */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .array(fc.constantFrom('a', '%', '_', '\u0000', '/', '.', '-', 'é', '\ud83d', '\\'), {
        maxLength: 12,
      })
      .map((a) => a.join('')),
  );

/** A hostile JSON value for a body field. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 3, arbitrary: hostileString() },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_VALUES) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );

/** Every log line the app writes, kept in memory (pino writes here instead of stdout). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    done();
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Encodes a path segment as a client would (so `%` arrives as `%25`, NUL as `%00`). */
export function segment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // a lone surrogate cannot be encoded by encodeURIComponent: send its replacement bytes
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}
