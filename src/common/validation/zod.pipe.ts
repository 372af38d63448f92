import { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '../errors/domain-error';
import { formatZodError } from './zod-messages';

/** Validates and transforms one argument (body or query) with a zod schema; 400 on failure. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (!result.success) {
      throw new DomainError('validation', formatZodError(result.error, value).message);
    }
    return result.data;
  }
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  return new ZodPipe(schema).transform(value);
}
