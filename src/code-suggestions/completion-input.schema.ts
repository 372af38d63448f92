import { z } from 'zod';
import { codePointLength } from '../common/http/fastify-setup';

export const MAX_CONTENT_CHARS = 400_000;
export const MAX_BODY_CHARS = 600_000;

/**
 * A string of at most `max` characters as GitLab (Ruby) counts them: code points, not UTF-16
 * units. `s.length` is an upper bound, so only strings longer than `max` units are counted.
 */
const chars = (max: number) =>
  z.string().refine((s) => s.length <= max || codePointLength(s) <= max, {
    message: 'is too long',
    abort: true,
  });

const notBlank = (max?: number) =>
  (max ? chars(max) : z.string()).refine((s) => s.trim().length > 0, { message: 'is empty' });

/** The IDE's completion request (CONTRACT.md section 1). Unknown fields are dropped, not refused. */
export const completionInputSchema = z.object({
  current_file: z.object({
    file_name: chars(255),
    content_above_cursor: chars(MAX_CONTENT_CHARS),
    content_below_cursor: chars(MAX_CONTENT_CHARS).optional(),
    language_identifier: chars(255).optional(),
  }),
  intent: z.enum(['completion', 'generation']).optional(),
  generation_type: z.enum(['comment', 'empty_function', 'small_file']).optional(),
  stream: z.boolean().optional(),
  project_path: chars(1000).optional(),
  project_id: z.number().int().optional(),
  user_instruction: chars(MAX_CONTENT_CHARS).optional(),
  context: z
    .array(
      z.object({
        type: z.enum(['file', 'snippet']),
        name: notBlank(255),
        content: notBlank(),
      }),
    )
    .min(1)
    .max(1000)
    .optional(),
  choices_count: z.number().int().min(1).max(10).optional(),
  prompt_version: z.number().int().optional(),
  telemetry: z.array(z.unknown()).max(100).optional(),
});

export type CompletionInputBody = z.output<typeof completionInputSchema>;
