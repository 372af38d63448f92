import { PipeTransform } from '@nestjs/common';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { DomainError } from '../errors/domain-error';

/** The largest value of a PostgreSQL `integer` (int4), the type of every id column. */
export const MAX_ID = 2_147_483_647;

const DIGITS = /^\d+$/;

/**
 * A whole number from a JSON integer, or from a decimal-digit string (form-encoded bodies and
 * query strings, where GitLab accepts strings too). Never coerces: `true`, `[3]`, `1e0`, `""`
 * and `null` are refused rather than turned into numbers (`z.coerce` made `true` user 1).
 */
export function integer(min: number, max: number) {
  return z
    .custom<number | string>((v) => typeof v === 'number' || typeof v === 'string', {
      error: (iss) => (iss.input === undefined ? 'is missing' : 'is invalid'),
    })
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : DIGITS.test(v) ? Number(v) : Number.NaN;
      const fail = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (!Number.isSafeInteger(n)) return fail('is invalid');
      if (n < min) return fail(`must be greater than or equal to ${min}`);
      if (n > max) return fail(`must be less than or equal to ${max}`);
      return n;
    });
}

/** Every id in a body or query: a positive int4, so the database never sees one out of range. */
export const id = () => integer(1, MAX_ID);

/** True for a path segment that is a valid id (digits only, 1..MAX_ID). */
export function isId(value: string): boolean {
  return DIGITS.test(value) && Number(value) >= 1 && Number(value) <= MAX_ID;
}

/** Integer path ids: `/users/abc` or `/users/99999999999` → 400 `id is invalid`, never a 500. */
export class IdPipe implements PipeTransform<string, number> {
  constructor(private readonly field = 'id') {}

  transform(value: string): number {
    if (!isId(value)) throw DomainError.invalid(this.field, 'is invalid');
    return Number(value);
  }
}

export const username = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$/, 'can contain only letters, digits, _, - and .');

export const path = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/, 'can contain only letters, digits, _, - and .');

/** `YYYY-MM-DD` → Date at UTC midnight. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)')
  .transform((s, ctx) => {
    const d = new Date(`${s}T00:00:00.000Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s) {
      ctx.addIssue({ code: 'custom', message: 'must be a date (YYYY-MM-DD)' });
      return z.NEVER;
    }
    return d;
  });

/** `POST …/members`: GitLab access levels (10 guest … 50 owner), default developer (30). */
export const addMemberSchema = z.strictObject({
  user_id: id(),
  access_level: integer(0, MAX_ID)
    .refine((v) => [10, 20, 30, 40, 50].includes(v), 'does not have a valid value')
    .default(30),
});

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * A host name as HTTP headers and URLs can carry it (it is sent upstream as X-Gitlab-Host-Name):
 * an internationalised name is converted to its ASCII (punycode) form with Node's WHATWG IDNA
 * (`gitlab.例え.jp` → `gitlab.xn--r8jz45g.jp`), then every label is checked (RFC 1123: letters,
 * digits and inner hyphens, 63 bytes each, 253 in all). The ASCII form is what is stored.
 */
export const hostName = z
  .string()
  .min(1)
  .max(255)
  .transform((raw, ctx) => {
    const ascii = raw.includes(':') || raw.includes('/') ? '' : domainToASCII(raw.trim());
    const name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
    if (name === '' || name.length > 253 || !name.split('.').every((l) => HOST_LABEL.test(l))) {
      ctx.addIssue({ code: 'custom', message: 'must be a host name (e.g. gitlab.example.com)' });
      return z.NEVER;
    }
    return name;
  });
