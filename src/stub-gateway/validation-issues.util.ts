import { isRecord } from './http.util';

/** One entry of a FastAPI 422 body: `{"detail":[issue, ...]}` (pydantic v2 wording). */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

export type Loc = (string | number)[];

interface StrRule {
  required?: boolean;
  max?: number;
}

interface ListRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/** Collects pydantic-style issues while reading fields off untrusted JSON. */
export class IssueCollector {
  readonly issues: ValidationIssue[] = [];

  add(issue: ValidationIssue): void {
    this.issues.push(issue);
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  missing(obj: Record<string, unknown>, loc: Loc): void {
    this.add({ type: 'missing', loc, msg: 'Field required', input: obj });
  }

  /** Reads an object field; `undefined` when absent/null (issue if required) or invalid. */
  obj(
    parent: Record<string, unknown>,
    key: string,
    loc: Loc,
    required: boolean,
  ): Record<string, unknown> | undefined {
    const v = parent[key];
    const at = [...loc, key];
    if (v === undefined || (v === null && !required)) {
      if (required) this.missing(parent, at);
      return undefined;
    }
    if (!isRecord(v)) {
      this.add({
        type: 'model_type',
        loc: at,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: v,
      });
      return undefined;
    }
    return v;
  }

  str(
    parent: Record<string, unknown>,
    key: string,
    loc: Loc,
    rule: StrRule = {},
  ): string | undefined {
    const v = parent[key];
    const at = [...loc, key];
    if (v === undefined || (v === null && !rule.required)) {
      if (rule.required) this.missing(parent, at);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add({ type: 'string_type', loc: at, msg: 'Input should be a valid string', input: v });
      return undefined;
    }
    // Pydantic counts Python characters (code points); UTF-16 length is only an upper bound.
    if (rule.max !== undefined && v.length > rule.max && [...v].length > rule.max) {
      this.add({
        type: 'string_too_long',
        loc: at,
        msg: `String should have at most ${rule.max} character${rule.max === 1 ? '' : 's'}`,
        input: v.length > 100 ? `${v.slice(0, 100)}...` : v,
        ctx: { max_length: rule.max },
      });
      return undefined;
    }
    return v;
  }

  int(parent: Record<string, unknown>, key: string, loc: Loc): number | undefined {
    const v = parent[key];
    const at = [...loc, key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number(v);
    if (typeof v === 'number') {
      this.add({
        type: 'int_from_float',
        loc: at,
        msg: 'Input should be a valid integer, got a number with a fractional part',
        input: v,
      });
    } else {
      this.add({ type: 'int_type', loc: at, msg: 'Input should be a valid integer', input: v });
    }
    return undefined;
  }

  bool(parent: Record<string, unknown>, key: string, loc: Loc): boolean | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 1 || v === '1') return true;
    if (v === 'false' || v === 0 || v === '0') return false;
    this.add({
      type: 'bool_parsing',
      loc: [...loc, key],
      msg: 'Input should be a valid boolean, unable to interpret input',
      input: v,
    });
    return undefined;
  }

  list(
    parent: Record<string, unknown>,
    key: string,
    loc: Loc,
    rule: ListRule = {},
  ): unknown[] | undefined {
    const v = parent[key];
    const at = [...loc, key];
    if (v === undefined || (v === null && !rule.required)) {
      if (rule.required) this.missing(parent, at);
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.add({ type: 'list_type', loc: at, msg: 'Input should be a valid list', input: v });
      return undefined;
    }
    const items: unknown[] = v;
    const ctx = { field_type: 'List', actual_length: items.length };
    if (rule.min !== undefined && items.length < rule.min) {
      this.add({
        type: 'too_short',
        loc: at,
        msg: `List should have at least ${rule.min} item${rule.min === 1 ? '' : 's'} after validation, not ${items.length}`,
        input: items,
        ctx: { ...ctx, min_length: rule.min },
      });
      return undefined;
    }
    if (rule.max !== undefined && items.length > rule.max) {
      this.add({
        type: 'too_long',
        loc: at,
        msg: `List should have at most ${rule.max} item${rule.max === 1 ? '' : 's'} after validation, not ${items.length}`,
        input: `[${items.length} items]`,
        ctx: { ...ctx, max_length: rule.max },
      });
      return undefined;
    }
    return items;
  }

  /** Checks a string against an enumeration (pydantic `enum` error). */
  oneOf(value: string | undefined, allowed: string[], loc: Loc): string | undefined {
    if (value === undefined || allowed.includes(value)) return value;
    const expected = quoteList(allowed);
    this.add({
      type: 'enum',
      loc,
      msg: `Input should be ${expected}`,
      input: value,
      ctx: { expected },
    });
    return undefined;
  }

  valueError(loc: Loc, message: string, input: unknown): void {
    this.add({
      type: 'value_error',
      loc,
      msg: `Value error, ${message}`,
      input,
      ctx: { error: {} },
    });
  }
}

/** A value as it appears inside a message (strings/numbers bare, the rest as JSON). */
export function display(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'undefined';
}

/** `'a', 'b' or 'c'` as pydantic renders expected values. */
export function quoteList(values: (string | number)[]): string {
  const q = values.map((v) => (typeof v === 'number' ? String(v) : `'${v}'`));
  if (q.length <= 1) return q.join('');
  return `${q.slice(0, -1).join(', ')} or ${q[q.length - 1]}`;
}
