import {
  contractModel,
  isModelAllowed,
  modelNotSupportedMessage,
  type TypeSpec,
} from '../common/aigw/aigw-contract';
import { isRecord } from './http.util';
import {
  checkBool,
  checkChoice,
  checkInt,
  checkStr,
  plural,
  type Checked,
  type Loc,
  type PydanticIssue,
} from './pydantic-scalars';

export type { Loc, PydanticIssue } from './pydantic-scalars';

/**
 * Validates untrusted JSON against a request model of the pinned gateway, as pydantic v2 does in
 * its lax (Python) mode: the rules come from config/aigw/contract.json, not from this file. The
 * issues carry pydantic's `type`, `loc`, `msg`, `input` and `ctx`; the parsed value carries
 * defaults and stripped strings.
 */

type Out = { ok: true; value: unknown } | { ok: false };
const FAIL: Out = { ok: false };
const ok = (value: unknown): Out => ({ ok: true, value });

function className(model: string): string {
  return contractModel(model).class;
}

/** The label pydantic puts in `loc` for a branch of a smart union. */
function unionLabel(t: TypeSpec): string {
  switch (t.kind) {
    case 'model':
      return className(t.model);
    case 'list':
      return `list[${unionLabel(t.items)}]`;
    case 'enum':
      return t.name;
    case 'dict':
      return 'dict[str,any]';
    case 'literal':
      return `literal[${t.values.map((v) => (typeof v === 'string' ? `'${v}'` : v)).join(',')}]`;
    case 'union':
      return t.anyOf.map(unionLabel).join('|');
    case 'str':
    case 'int':
    case 'bool':
    case 'float':
    case 'any':
    case 'null':
      return t.kind;
  }
}

export class ContractValidator {
  readonly issues: PydanticIssue[] = [];

  private add(issue: PydanticIssue): Out {
    this.issues.push(issue);
    return FAIL;
  }

  private scalar(r: Checked): Out {
    return r.ok ? ok(r.value) : this.add(r.issue);
  }

  validate(t: TypeSpec, v: unknown, loc: Loc): Out {
    switch (t.kind) {
      case 'str':
        return this.scalar(checkStr(t, v, loc));
      case 'int':
        return this.scalar(checkInt(v, loc));
      case 'float':
        return typeof v === 'number'
          ? ok(v)
          : this.add({ type: 'float_type', loc, msg: 'Input should be a valid number', input: v });
      case 'bool':
        return this.scalar(checkBool(v, loc));
      case 'any':
        return ok(v);
      case 'null':
        return v === null
          ? ok(null)
          : this.add({ type: 'none_required', loc, msg: 'Input should be None', input: v });
      case 'dict':
        return isRecord(v)
          ? ok(v)
          : this.add({
              type: 'dict_type',
              loc,
              msg: 'Input should be a valid dictionary',
              input: v,
            });
      case 'enum':
      case 'literal':
        return this.scalar(checkChoice(t, v, loc));
      case 'list':
        return this.list(t, v, loc);
      case 'model':
        return this.model(t.model, v, loc);
      case 'union':
        return t.discriminator ? this.tagged(t, t.discriminator, v, loc) : this.union(t, v, loc);
    }
  }

  private list(t: Extract<TypeSpec, { kind: 'list' }>, v: unknown, loc: Loc): Out {
    if (!Array.isArray(v)) {
      return this.add({ type: 'list_type', loc, msg: 'Input should be a valid list', input: v });
    }
    const items: unknown[] = v;
    const n = items.length;
    if (t.maxItems !== undefined && n > t.maxItems) {
      return this.add({
        type: 'too_long',
        loc,
        msg: `List should have at most ${plural(t.maxItems, 'item')} after validation, not ${n}`,
        input: items,
        ctx: { field_type: 'List', max_length: t.maxItems, actual_length: n },
      });
    }
    const out: unknown[] = [];
    let good = true;
    items.forEach((item, i) => {
      const r = this.validate(t.items, item, [...loc, i]);
      if (r.ok) out.push(r.value);
      else good = false;
    });
    if (!good) return FAIL;
    if (t.minItems !== undefined && n < t.minItems) {
      return this.add({
        type: 'too_short',
        loc,
        msg: `List should have at least ${plural(t.minItems, 'item')} after validation, not ${n}`,
        input: items,
        ctx: { field_type: 'List', min_length: t.minItems, actual_length: n },
      });
    }
    return ok(out);
  }

  private union(t: Extract<TypeSpec, { kind: 'union' }>, v: unknown, loc: Loc): Out {
    const branches = t.anyOf.filter((b) => !(b.kind === 'null' && v !== null));
    if (v === null && t.anyOf.some((b) => b.kind === 'null')) return ok(null);
    const real = branches.filter((b) => b.kind !== 'null');
    const only = real[0];
    if (real.length === 1 && only) return this.validate(only, v, loc);
    const collected: PydanticIssue[] = [];
    for (const b of real) {
      const sub = new ContractValidator();
      const r = sub.validate(b, v, [...loc, unionLabel(b)]);
      if (r.ok) return r;
      collected.push(...sub.issues);
    }
    this.issues.push(...collected);
    return FAIL;
  }

  private tagged(
    t: Extract<TypeSpec, { kind: 'union' }>,
    tagField: string,
    v: unknown,
    loc: Loc,
  ): Out {
    if (!isRecord(v)) {
      return this.add({
        type: 'model_attributes_type',
        loc,
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: v,
      });
    }
    const tags = t.anyOf.map((b) => ({ b, tag: this.tagOf(b, tagField) }));
    const disc = `'${tagField}'`;
    if (!(tagField in v)) {
      return this.add({
        type: 'union_tag_not_found',
        loc,
        msg: `Unable to extract tag using discriminator ${disc}`,
        input: v,
        ctx: { discriminator: disc },
      });
    }
    const tag = v[tagField];
    const hit = tags.find((x) => x.tag === tag);
    if (!hit) {
      const expected = tags.map((x) => (typeof x.tag === 'string' ? `'${x.tag}'` : String(x.tag)));
      const shown = typeof tag === 'string' ? tag : JSON.stringify(tag);
      return this.add({
        type: 'union_tag_invalid',
        loc,
        msg: `Input tag '${shown}' found using ${disc} does not match any of the expected tags: ${expected.join(', ')}`,
        input: v,
        ctx: { discriminator: disc, tag: shown, expected_tags: expected.join(', ') },
      });
    }
    return this.validate(hit.b, v, [...loc, hit.tag as string | number]);
  }

  private tagOf(b: TypeSpec, field: string): string | number | undefined {
    if (b.kind !== 'model') return undefined;
    const f = contractModel(b.model).fields[field];
    return f?.type.kind === 'literal' ? f.type.values[0] : undefined;
  }

  /** A pydantic model: fields in order, defaults filled in, extra keys ignored, then validators. */
  model(key: string, v: unknown, loc: Loc): Out {
    const spec = contractModel(key);
    if (!isRecord(v)) {
      return this.add({
        type: 'model_type',
        loc,
        msg: `Input should be a valid dictionary or instance of ${spec.class}`,
        input: v,
        ctx: { class_name: spec.class },
      });
    }
    const out: Record<string, unknown> = {};
    let good = true;
    for (const [name, f] of Object.entries(spec.fields)) {
      if (!(name in v)) {
        if (f.required) {
          this.add({ type: 'missing', loc: [...loc, name], msg: 'Field required', input: v });
          good = false;
        } else out[name] = structuredClone(f.default);
        continue;
      }
      const r = this.validate(f.type, v[name], [...loc, name]);
      if (!r.ok) {
        good = false;
        continue;
      }
      out[name] = r.value;
      const validator = spec.validators.find((x) => x.field === name);
      if (validator?.useCase) good = this.modelName(validator.useCase, out, name, loc) && good;
    }
    return good ? ok(out) : FAIL;
  }

  /** The gateway's v2 model-name check (skipped when `model_provider` is absent or invalid). */
  private modelName(
    useCase: string,
    data: Record<string, unknown>,
    field: string,
    loc: Loc,
  ): boolean {
    const provider = data.model_provider;
    if (typeof provider !== 'string' || provider === '') return true;
    const name = data[field];
    const shown = typeof name === 'string' ? name : 'None';
    if (typeof name === 'string' && isModelAllowed(useCase, provider, name)) return true;
    const message = modelNotSupportedMessage(shown, useCase, provider);
    this.add({
      type: 'value_error',
      loc: [...loc, field],
      msg: `Value error, ${message}`,
      input: name,
      ctx: { error: {} },
      valueError: message,
    });
    return false;
  }
}
