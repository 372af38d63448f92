import { z } from 'zod';
import { MAX_ID } from '../common/validation/params';

/** A body larger than this (characters) is a 413: what the Language Server sends is < 1 KB. */
export const MAX_TRACK_EVENT_BODY_CHARS = 16_384;
const MAX_PROPERTIES = 50;

/** Grape's `Integer`: a JSON integer or a string of digits (either sign), within int4. */
const grapeInteger = z
  .union([z.number(), z.string().regex(/^-?\d{1,10}$/)])
  .transform((v) => Number(v))
  .pipe(z.number().int().min(-MAX_ID).max(MAX_ID));

const text = (max: number) => z.string().max(max).nullish();

/**
 * What the Language Server puts in `additional_properties` (8.54). Each is optional (GitLab
 * takes the event without them) but bounded; other keys are taken as scalars and not kept.
 */
const knownProperties = z.object({
  unique_tracking_id: text(64),
  timestamp: text(64),
  language: text(64),
  suggestion_size: z.number().int().min(0).max(1_000_000).nullish(),
  branch_name: text(1024),
  model_name: text(128),
  model_engine: text(64),
  ide_name: text(64),
  ide_vendor: text(64),
  ide_version: text(64),
  extension_name: text(64),
  extension_version: text(64),
  language_server_version: text(64),
});

const scalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

const additionalProperties = z
  .record(z.string().max(64), scalar)
  .refine((o) => Object.keys(o).length <= MAX_PROPERTIES, `has more than ${MAX_PROPERTIES} keys`)
  .pipe(knownProperties);

/**
 * POST /api/v4/usage_data/track_event, GitLab's `event_params` (lib/api/usage_data.rb): `event`
 * required; `namespace_id`, `project_id` integers; `additional_properties` a hash;
 * `send_to_snowplow` a boolean. Other top-level keys are ignored, as Grape ignores them.
 */
export const trackEventSchema = z.object({
  event: z.string().min(1).max(128),
  namespace_id: grapeInteger.optional(),
  project_id: grapeInteger.optional(),
  additional_properties: additionalProperties.optional(),
  send_to_snowplow: z.boolean().optional(),
});

export type TrackEventBody = z.output<typeof trackEventSchema>;
