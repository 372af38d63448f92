/**
 * The pinned gateway answers a request that fails validation with
 * `{"detail": str(exc.errors())}`: the Python `repr` of pydantic's error list (when request
 * logging is on; `"Validation error"` otherwise). This renders our issues the same way, so a
 * client (or a test) sees the text the gateway would send.
 */

/** A Python object that is not JSON: a tuple (pydantic's `loc`) or an exception instance. */
export class PyTuple {
  constructor(readonly items: unknown[]) {}
}
export class PyException {
  constructor(
    readonly className: string,
    readonly message: string,
  ) {}
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Python's `repr(str)`: single quotes unless the text has `'` and no `"`. */
export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ESCAPES[ch]) out += ESCAPES[ch];
    else if (ch === quote) out += `\\${ch}`;
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\x${cp.toString(16)}`;
    else out += ch;
  }
  return quote + out + quote;
}

function pyNumber(n: number): string {
  if (Number.isInteger(n) && !Object.is(n, -0)) return String(n);
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Python's `repr` of a JSON value (plus tuples and exceptions). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return pyStr(v);
  if (v instanceof PyTuple) {
    const items = v.items.map(pyRepr);
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  }
  if (v instanceof PyException) return `${v.className}(${pyStr(v.message)})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).map(
      ([k, x]) => `${pyStr(k)}: ${pyRepr(x)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return pyStr(JSON.stringify(v) ?? '');
}
