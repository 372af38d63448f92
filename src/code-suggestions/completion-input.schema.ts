import { z } from 'zod';

export const MAX_CONTENT_CHARS = 400_000;
export const MAX_BODY_CHARS = 600_000;

const notBlank = (max?: number) => {
  const base = max ? z.string().max(max) : z.string();
  return base.refine((s) => s.trim().length > 0, { message: 'is empty' });
};

/** The IDE's completion request (CONTRACT.md section 1). Unknown fields are dropped, not refused. */
export const completionInputSchema = z.object({
  current_file: z.object({
    file_name: z.string().max(255),
    content_above_cursor: z.string().max(MAX_CONTENT_CHARS),
    content_below_cursor: z.string().max(MAX_CONTENT_CHARS).optional(),
    language_identifier: z.string().max(255).optional(),
  }),
  intent: z.enum(['completion', 'generation']).optional(),
  generation_type: z.enum(['comment', 'empty_function', 'small_file']).optional(),
  stream: z.boolean().optional(),
  project_path: z.string().max(1000).optional(),
  project_id: z.number().int().optional(),
  user_instruction: z.string().max(MAX_CONTENT_CHARS).optional(),
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
