import type { TypeSpec } from '../common/aigw/aigw-contract';

/** One pydantic v2 error (`exc.errors()` entry), as the gateway's validation produces it. */
export interface PydanticIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
  /** For `value_error`: the message of the ValueError (rendered as `ValueError('...')`). */
  valueError?: string;
}

export type Loc = (string | number)[];
export type Checked = { ok: true; value: unknown } | { ok: false; issue: PydanticIssue };
const ok = (value: unknown): Checked => ({ ok: true, value });
const fail = (issue: PydanticIssue): Checked => ({ ok: false, issue });

const TRUE_STR = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_STR = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `'a', 'b' or 'c'` (pydantic's rendering of expected values). */
export function expectedList(values: (string | number)[]): string {
  const q = values.map((v) => (typeof v === 'number' ? String(v) : `'${v}'`));
  return q.length <= 1 ? q.join('') : `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}

export function checkStr(t: Extract<TypeSpec, { kind: 'str' }>, v: unknown, loc: Loc): Checked {
  if (typeof v !== 'string') {
    return fail({
      type: 'string_type',
      loc,
      msg: 'Input should be a valid string',
      input: v,
    });
  }
  const s = t.stripWhitespace ? v.trim() : v;
  // Pydantic counts Python characters (code points), not UTF-16 units.
  const len = s.length > (t.maxLength ?? Infinity) ? [...s].length : s.length;
  if (t.maxLength !== undefined && len > t.maxLength) {
    return fail({
      type: 'string_too_long',
      loc,
      msg: `String should have at most ${plural(t.maxLength, 'character')}`,
      input: v,
      ctx: { max_length: t.maxLength },
    });
  }
  if (t.minLength !== undefined && [...s].length < t.minLength) {
    return fail({
      type: 'string_too_short',
      loc,
      msg: `String should have at least ${plural(t.minLength, 'character')}`,
      input: v,
      ctx: { min_length: t.minLength },
    });
  }
  return ok(s);
}

export function checkInt(v: unknown, loc: Loc): Checked {
  if (typeof v === 'boolean') return ok(v ? 1 : 0);
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return ok(v);
    return fail({
      type: 'int_from_float',
      loc,
      msg: 'Input should be a valid integer, got a number with a fractional part',
      input: v,
    });
  }
  if (typeof v === 'string') {
    if (/^\s*[-+]?\d+\s*$/.test(v)) return ok(Number(v));
    return fail({
      type: 'int_parsing',
      loc,
      msg: 'Input should be a valid integer, unable to parse string as an integer',
      input: v,
    });
  }
  return fail({ type: 'int_type', loc, msg: 'Input should be a valid integer', input: v });
}

export function checkBool(v: unknown, loc: Loc): Checked {
  if (typeof v === 'boolean') return ok(v);
  if (v === 0 || v === 1) return ok(v === 1);
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE_STR.has(s)) return ok(true);
    if (FALSE_STR.has(s)) return ok(false);
  }
  if (typeof v === 'string' || typeof v === 'number') {
    return fail({
      type: 'bool_parsing',
      loc,
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: v,
    });
  }
  return fail({ type: 'bool_type', loc, msg: 'Input should be a valid boolean', input: v });
}

export function checkChoice(
  t: Extract<TypeSpec, { kind: 'enum' | 'literal' }>,
  v: unknown,
  loc: Loc,
): Checked {
  if (t.values.some((x) => x === v)) return ok(v);
  const expected = expectedList(t.values);
  const type = t.kind === 'enum' ? 'enum' : 'literal_error';
  return fail({ type, loc, msg: `Input should be ${expected}`, input: v, ctx: { expected } });
}
