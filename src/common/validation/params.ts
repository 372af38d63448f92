import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../errors/domain-error';

/** Integer path ids: `/users/abc` → 400 `id is invalid`, never a 500. */
export class IdPipe implements PipeTransform<string, number> {
  constructor(private readonly field = 'id') {}

  transform(value: string): number {
    if (!/^\d{1,9}$/.test(value)) throw DomainError.invalid(this.field, 'is invalid');
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

/** Accepts JSON booleans and the strings GitLab clients send in form-style bodies. */
export const looseBoolean = z.union([
  z.boolean(),
  z.enum(['true', 'false']).transform((v) => v === 'true'),
]);

/** `POST …/members`: GitLab access levels (10 guest … 50 owner), default developer (30). */
export const addMemberSchema = z.strictObject({
  user_id: z.coerce.number().int().positive(),
  access_level: z.coerce
    .number()
    .int()
    .refine((v) => [10, 20, 30, 40, 50].includes(v), 'does not have a valid value')
    .default(30),
});
