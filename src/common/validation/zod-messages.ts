import type { z } from 'zod';

/** `current_file.file_name` → `current_file[file_name]`, `context.0.type` → `context[0][type]` (Grape's style). */
export function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  const [head, ...rest] = path;
  return String(head) + rest.map((p) => `[${String(p)}]`).join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** A message written in a schema (not one of zod's defaults, which start with a capital). */
const customMessage = (m: string) => (/^[a-z]/.test(m) ? m : undefined);

function problemFor(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? 'is missing' : 'is invalid';
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array'
        ? 'is too long'
        : `must be less than or equal to ${String(issue.maximum)}`;
    case 'too_small':
      if ((issue.origin === 'string' || issue.origin === 'array') && Number(issue.minimum) <= 1) {
        return 'is empty';
      }
      return issue.origin === 'string' || issue.origin === 'array'
        ? 'is too short'
        : `must be greater than or equal to ${String(issue.minimum)}`;
    case 'invalid_value':
    case 'invalid_union':
      return valueAt(input, issue.path) === undefined
        ? 'is missing'
        : 'does not have a valid value';
    case 'invalid_format':
      return customMessage(issue.message) ?? 'is invalid';
    case 'custom':
      return issue.message;
    case 'unrecognized_keys':
      return 'is not a known field';
    default:
      return 'is invalid';
  }
}

/** One line per problem, GitLab style: `<field> <problem>`, joined with ", ". Never echoes input. */
export function formatZodError(
  error: z.ZodError,
  input?: unknown,
): { field: string; message: string } {
  const lines: string[] = [];
  let first = 'body';
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const f = fieldName([...issue.path, key]);
        if (lines.length === 0) first = f;
        lines.push(`${f} is not a known field`);
      }
      continue;
    }
    const f = fieldName(issue.path);
    if (lines.length === 0) first = f;
    lines.push(`${f} ${problemFor(issue, input)}`);
  }
  return { field: first, message: [...new Set(lines)].slice(0, 5).join(', ') };
}
