import { z } from 'zod';

/*
 * GitLab's API declares its boolean parameters `type: Boolean`; Grape coerces them with
 * dry-types `Params::Bool`, which looks the value's string form up in two fixed lists (case
 * matters: `True` and `TRUE` are listed, `tRuE` is not). So JSON `true`, the number `1`, the
 * strings "1", "t", "yes", "on" and Python's "True" (python-gitlab puts `force=True` in the query
 * string) are all true. Grape also reads an empty string as "not given" (grape PR 2045).
 */
const TRUE_VALUES = new Set('1 on On ON t true True TRUE T y yes Yes YES Y'.split(' '));
const FALSE_VALUES = new Set('0 off Off OFF f false False FALSE F n no No NO N'.split(' '));

function coerce(value: unknown): unknown {
  if (value === '' || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return value;
  }
  const text = String(value);
  if (TRUE_VALUES.has(text)) return true;
  if (FALSE_VALUES.has(text)) return false;
  return value;
}

/**
 * The one boolean parameter of every route, in a JSON body, a form or multipart body or a query
 * string: Grape's Boolean coercion. Anything else is `<field> is invalid` (Grape's wording).
 * Optional by nature (absent, `null` and `""` are `undefined`), because Grape reads `""` as not
 * given and zod's own `.optional()`/`.default()` only look at `undefined` before coercion: apply a
 * default with `grapeBoolean.transform((v) => v ?? false)`.
 */
export const grapeBoolean = z
  .preprocess(coerce, z.boolean({ error: 'is invalid' }).optional())
  .meta({
    type: 'boolean',
    description: "Grape's Boolean: true/false, 1/0, t/f, yes/no, y/n, on/off",
  });

/** For tests and docs: every string Grape reads as a boolean, with its value. */
export const GRAPE_BOOLEAN_STRINGS: ReadonlyMap<string, boolean> = new Map([
  ...[...TRUE_VALUES].map((s) => [s, true] as const),
  ...[...FALSE_VALUES].map((s) => [s, false] as const),
]);
