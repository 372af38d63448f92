import { z } from 'zod';
import { codePointLength } from '../common/text/code-points';
import { grapeBoolean } from '../common/validation/grape-boolean';
import { EDGE_LIMITS } from './gateway-limits';

export const MAX_CONTENT_CHARS = 400_000;
export const MAX_BODY_CHARS = 600_000;
/** GitLab's limit for `user_instruction` and a context item's `content` (its MAX_BODY_SIZE). */
export const MAX_INSTRUCTION_CHARS = 600_000;
/**
 * Context items: GitLab has no count limit and forwards them, and the AIGW's v2 refuses more than
 * 100 (pydantic `max_length`, from the pinned contract). Refusing above that ourselves gives one
 * answer (400) for every count the gateway would refuse, without shipping a huge body, and also
 * covers generations, where the items are folded into the prompt and nothing upstream counts
 * them. v3/v4 completions allow fewer and shorter items: `assertWithinPathLimits`, once routed.
 */
export const MAX_CONTEXT_ITEMS = EDGE_LIMITS.v2ContextItems;

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

const contextLimitsText = () =>
  Object.entries(EDGE_LIMITS.completionContext)
    .map(([api, l]) => `${api} ${l.items} items of ${l.content.toLocaleString('en-US')} characters`)
    .join(', ');

const telemetryText = chars(EDGE_LIMITS.telemetryStrings).nullable().optional();
/**
 * GitLab passes `telemetry` through; the gateway takes at most 10 items of this shape and
 * refuses the request otherwise, so the same rule answers here with our 400. Other members of
 * an item are forwarded as they are (the gateway ignores them).
 */
const telemetryItem = z.looseObject({
  model_engine: telemetryText,
  model_name: telemetryText,
  lang: telemetryText,
  requests: z.number().int(),
  accepts: z.number().int(),
  errors: z.number().int(),
});

/**
 * The IDE's completion request (CONTRACT.md section 1). Unknown fields are dropped, not refused.
 * Where the pinned AI Gateway is stricter than GitLab (EDGE_LIMITS), its limit applies here.
 */
export const completionInputSchema = z
  .object({
    current_file: z.object({
      file_name: chars(EDGE_LIMITS.fileName),
      content_above_cursor: chars(MAX_CONTENT_CHARS),
      content_below_cursor: chars(MAX_CONTENT_CHARS).optional(),
      // GitLab passes it through unchecked; the gateway refuses more than 255 characters.
      language_identifier: chars(EDGE_LIMITS.languageIdentifier).optional(),
    }),
    intent: z.enum(['completion', 'generation']).optional(),
    generation_type: z.enum(['comment', 'empty_function', 'small_file']).optional(),
    stream: grapeBoolean.optional().meta({
      description:
        'Stream the answer (text/event-stream); false when left out. Strings Grape reads as booleans ("true", "1", "yes", ...) are accepted',
    }),
    project_path: chars(EDGE_LIMITS.projectPath).optional(),
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
    telemetry: z.array(telemetryItem).max(EDGE_LIMITS.telemetryItems).optional(),
  })
  .meta({
    description:
      `Unknown fields are ignored. Lengths count characters (code points), as GitLab does. The whole body may have at most ${MAX_BODY_CHARS.toLocaleString('en-US')} characters (413). ` +
      `Where the pinned AI Gateway is stricter than GitLab its limit applies (400 naming the field). Once the request is routed, a completion's context items must fit the API it goes through: ${contextLimitsText()}.`,
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
