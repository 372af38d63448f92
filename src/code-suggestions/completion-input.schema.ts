import { z } from 'zod';
import { codePointLength } from '../common/text/code-points';
import { grapeBoolean } from '../common/validation/grape-boolean';

export const MAX_CONTENT_CHARS = 400_000;
export const MAX_BODY_CHARS = 600_000;
/** GitLab's limit for `user_instruction` and a context item's `content` (its MAX_BODY_SIZE). */
export const MAX_INSTRUCTION_CHARS = 600_000;
/**
 * Context items: GitLab has no count limit and forwards them, and the AIGW refuses more than 100
 * (pydantic `max_length=100`). Refusing above 100 ourselves gives one answer (400) for every
 * count the gateway would refuse, without shipping a huge body, and also covers generations,
 * where the items are folded into the prompt and nothing upstream counts them.
 */
export const MAX_CONTEXT_ITEMS = 100;

/**
 * A string of at most `max` characters as GitLab (Ruby) counts them: code points, not UTF-16
 * units. `s.length` is an upper bound, so only strings longer than `max` units are counted.
 */
const chars = (max: number) =>
  z
    .string()
    .refine((s) => s.length <= max || codePointLength(s) <= max, {
      message: 'is too long',
      abort: true,
    })
    .meta({ maxLength: max }); // for the OpenAPI document: a refinement has no JSON Schema form

const notBlank = (max?: number) =>
  (max ? chars(max) : z.string())
    .refine((s) => s.trim().length > 0, { message: 'is empty' })
    .meta({ minLength: 1, ...(max ? { maxLength: max } : {}), description: 'Not blank' });

/** The IDE's completion request (CONTRACT.md section 1). Unknown fields are dropped, not refused. */
export const completionInputSchema = z
  .object({
    current_file: z.object({
      file_name: chars(255),
      content_above_cursor: chars(MAX_CONTENT_CHARS),
      content_below_cursor: chars(MAX_CONTENT_CHARS).optional(),
      // GitLab passes it through unchecked; the gateway refuses what it cannot take.
      language_identifier: z.string().optional(),
    }),
    intent: z.enum(['completion', 'generation']).optional(),
    generation_type: z.enum(['comment', 'empty_function', 'small_file']).optional(),
    stream: grapeBoolean.optional().meta({
      description:
        'Stream the answer (text/event-stream); false when left out. Strings Grape reads as booleans ("true", "1", "yes", ...) are accepted',
    }),
    project_path: z.string().optional(),
    project_id: z.number().int().optional(),
    user_instruction: chars(MAX_INSTRUCTION_CHARS).optional(),
    context: z
      .array(
        z.object({
          type: z.enum(['file', 'snippet']),
          name: notBlank(255),
          content: notBlank(MAX_INSTRUCTION_CHARS),
        }),
      )
      .min(1)
      .max(MAX_CONTEXT_ITEMS)
      .optional(),
    // Passthrough in GitLab (not declared params): only the type is checked, the gateway judges
    // the value.
    choices_count: z.number().int().optional(),
    prompt_version: z.number().int().optional(),
    telemetry: z.array(z.unknown()).optional(),
  })
  .meta({
    description: `Unknown fields are ignored. Lengths count characters (code points), as GitLab does. The whole body may have at most ${MAX_BODY_CHARS.toLocaleString('en-US')} characters (413).`,
    example: {
      current_file: {
        file_name: 'main.py',
        content_above_cursor: 'def add(a, b):\n    ',
        content_below_cursor: '',
      },
      intent: 'completion',
      stream: false,
    },
  });

export type CompletionInputBody = z.output<typeof completionInputSchema>;
