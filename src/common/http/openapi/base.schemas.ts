/**
 * Building blocks of the OpenAPI answers (security schemes, tags, error bodies). Request bodies
 * are derived from the zod schemas (zod-openapi.ts); answers are described here because no zod
 * schema produces them (presenters build them).
 */
import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { ApiResponseOptions, SchemaObject } from '@nestjs/swagger';
import { RATE_LIMIT_MESSAGE } from '../../errors/domain-error.filter';
import { nameSchemas } from './zod-openapi';

// ---------------------------------------------------------------------------------------------
// Security schemes and tags (names shared by openapi.ts and the controllers' decorators)

/** `PRIVATE-TOKEN: <token>` header (apiKey). */
export const PRIVATE_TOKEN_SCHEME = 'PRIVATE-TOKEN';
/** `Authorization: Bearer <token>`. */
export const BEARER_SCHEME = 'bearer';

export const TAGS = {
  codeSuggestions: 'code_suggestions',
  features: 'features',
  users: 'users',
  tokens: 'tokens',
  groups: 'groups',
  projects: 'projects',
  addOnPurchases: 'add-on purchases',
  applicationSettings: 'application settings',
  audit: 'audit',
  version: 'version',
  health: 'health',
  discovery: 'discovery',
  signingKeys: 'admin signing keys',
  metrics: 'metrics',
  routing: 'routing',
  modelSelection: 'model selection',
  console: 'admin console',
} as const;

export const TAG_DESCRIPTIONS: Record<(typeof TAGS)[keyof typeof TAGS], string> = {
  code_suggestions:
    'The IDE-facing Code Suggestions API (GitLab 18.x wire format): completions through Switchboard (indirect) or a short-lived token for the AI Gateway (direct access).',
  features: "GitLab's Features API over the feature flags (admin tokens only).",
  users: 'Users (GitLab API shapes). Creating and changing users needs an admin token.',
  tokens: 'Personal access tokens: opaque secrets, stored only as a hash, shown once.',
  groups: 'Groups and their members (admin).',
  projects: 'Projects and their members (admin).',
  'add-on purchases':
    'Duo add-on purchases of top-level groups and their seat assignments (admin).',
  'application settings': 'Instance-wide settings (admin).',
  'model selection':
    "The model chosen per feature by a top-level group's owners or the instance's administrators, from what the AI Gateway offers (GitLab's GraphQL model selection as REST), and the user's default Duo namespace.",
  audit: 'Audit events, newest first (admin).',
  version: 'Instance version and metadata, read by clients to choose direct access (>= 17.2).',
  health: 'Liveness and readiness probes (no authentication).',
  discovery:
    'OIDC discovery and the JWKS the AI Gateway verifies our tokens with (no authentication).',
  'admin signing keys':
    'The RS256 keys that sign AI Gateway tokens (admin). Never returns key material.',
  metrics: 'Prometheus scrape endpoint (no authentication: restrict it at the network).',
  routing:
    'Why a user gets the model and endpoint they get: the routing decision with every rule and flag consulted (admin).',
  'admin console':
    'What the admin console at /admin needs beyond the GitLab-shaped APIs: catalogue summary, recent traffic, breakers (admin).',
};

// ---------------------------------------------------------------------------------------------
// Building blocks

export const str = (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra });
export const int = (extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra });
export const bool = (extra: SchemaObject = {}): SchemaObject => ({ type: 'boolean', ...extra });
export const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
export const dateTime = (extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  ...extra,
});
export const date = (extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  format: 'date',
  example: '2026-12-31',
  ...extra,
});
export const object = (
  properties: Record<string, SchemaObject>,
  required: string[] = [],
  extra: SchemaObject = {},
): SchemaObject => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...extra,
});
// ---------------------------------------------------------------------------------------------
// Error bodies (DomainErrorFilter's shapes, GitLab's API)

export const unauthorizedErrorSchema = object(
  { message: str({ example: '401 Unauthorized' }) },
  ['message'],
  {
    example: { message: '401 Unauthorized' },
  },
);
export const insufficientScopeErrorSchema = object(
  {
    error: str({ enum: ['insufficient_scope'] }),
    error_description: str(),
    scope: str({ description: 'The scopes that would have been accepted, space separated' }),
  },
  ['error', 'error_description', 'scope'],
  {
    example: {
      error: 'insufficient_scope',
      error_description:
        'The request requires higher privileges than provided by the access token.',
      scope: 'api ai_features',
    },
  },
);
export const forbiddenErrorSchema = object(
  { message: str({ example: '403 Forbidden' }) },
  ['message'],
  {
    example: { message: '403 Forbidden' },
  },
);
export const directAccessForbiddenErrorSchema = object({ message: str() }, ['message'], {
  example: { message: '403 Forbidden - Direct connections are disabled' },
});
export const notFoundErrorSchema = object(
  { message: str({ example: '404 Not Found' }) },
  ['message'],
  {
    example: { message: '404 Not Found' },
  },
);
/** 400 from validation: `{"error":"<field> <problem>"}`. */
export const validationErrorSchema = object(
  { error: str({ description: '`<field> <problem>`' }) },
  ['error'],
  {
    example: { error: 'current_file[file_name] is too long' },
  },
);
export const conflictErrorSchema = object({ message: str() }, ['message'], {
  example: { message: 'Username has already been taken' },
});
export const rateLimitedErrorSchema = object(
  { message: object({ error: str({ example: RATE_LIMIT_MESSAGE }) }, ['error']) },
  ['message'],
  { example: { message: { error: RATE_LIMIT_MESSAGE } } },
);
export const payloadTooLargeErrorSchema = object({ message: str() }, ['message'], {
  example: { message: '413 Request Entity Too Large' },
});
export const unsupportedMediaTypeErrorSchema = object({ message: str() }, ['message'], {
  example: {
    message:
      '415 Unsupported Media Type - send the body as JSON with Content-Type: application/json',
  },
});
export const serviceUnavailableErrorSchema = object({ message: str() }, ['message'], {
  example: { message: 'AI Gateway is unreachable (ECONNREFUSED)' },
});
/** Errors of the AI Gateway, passed through with their status (401, 403, 422, 429, 503 …). */
export const gatewayErrorSchema: SchemaObject = {
  description: "The AI Gateway's own error body, passed through unchanged",
  oneOf: [
    object({ error: str() }, ['error']),
    object({ detail: {} }, ['detail']),
    object({ message: str() }, ['message']),
  ],
  example: { detail: 'Inference failed' },
};

const retryAfterHeader = {
  'Retry-After': { description: 'Seconds until the limit resets', schema: int() },
};

/** Ready-made `@ApiResponse(...)` options for the common error answers. */
export const ERROR_RESPONSES = {
  badRequest: {
    status: 400,
    description: 'Validation failed: `{"error":"<field> <problem>"}`',
    schema: validationErrorSchema,
  },
  unauthorized: {
    status: 401,
    description: 'No token, or an unknown, revoked or expired one',
    schema: unauthorizedErrorSchema,
  },
  /** The read/write scope check (all authenticated routes). */
  insufficientScope: {
    status: 403,
    description: 'The token lacks the scope this route needs (e.g. a `read_api` token on POST)',
    schema: insufficientScopeErrorSchema,
  },
  /** Admin-only routes; also the insufficient_scope answer. */
  adminOnly: {
    status: 403,
    description:
      'Not an administrator (`{"message":"403 Forbidden"}`), or the token lacks the needed scope (`{"error":"insufficient_scope", …}`)',
    schema: { oneOf: [forbiddenErrorSchema, insufficientScopeErrorSchema] },
  },
  notFound: { status: 404, description: 'Not found', schema: notFoundErrorSchema },
  conflict: {
    status: 409,
    description: 'Conflicts with an existing record',
    schema: conflictErrorSchema,
  },
  payloadTooLarge: {
    status: 413,
    description: 'The body is larger than allowed',
    schema: payloadTooLargeErrorSchema,
  },
  unsupportedMediaType: {
    status: 415,
    description: 'Bodies must be JSON (or form encoded)',
    schema: unsupportedMediaTypeErrorSchema,
  },
  rateLimited: {
    status: 429,
    description: 'Per-user rate limit exceeded',
    schema: rateLimitedErrorSchema,
    headers: retryAfterHeader,
  },
  serviceUnavailable: {
    status: 503,
    description: 'A dependency (database, Unleash, signing keys) is unavailable',
    schema: serviceUnavailableErrorSchema,
  },
} satisfies Record<string, ApiResponseOptions>;

/** 404 while the global kill switch `ai_duo_code_suggestions_switch` is off. */
export const KILL_SWITCH_RESPONSE: ApiResponseOptions = {
  status: 404,
  description: 'Code Suggestions are switched off (flag `ai_duo_code_suggestions_switch`)',
  schema: notFoundErrorSchema,
};

/** 401 for a valid token whose user has no Duo seat. */
export const NO_SEAT_RESPONSE: ApiResponseOptions = {
  status: 401,
  description:
    'No or bad token; or (with header `X-GitLab-Error-Origin: monolith`) the user has no Duo seat on an active add-on purchase',
  schema: unauthorizedErrorSchema,
  headers: {
    'X-GitLab-Error-Origin': {
      description: '`monolith` when the user has no seat',
      schema: str({ enum: ['monolith'] }),
    },
  },
};

/** Every list route pages as GitLab does (offset pagination). */
export const PAGINATION_DESCRIPTION =
  'Paginated as in GitLab: `page` (from 1) and `per_page` (default 20, at most 100); the answer ' +
  'carries `X-Total`, `X-Total-Pages`, `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page` and `Link`.';
export const PAGE_QUERY = {
  name: 'page',
  required: false,
  schema: { type: 'integer', minimum: 1, default: 1 },
} as const;
export const PER_PAGE_QUERY = {
  name: 'per_page',
  required: false,
  description: 'Above 100 counts as 100',
  schema: { type: 'integer', minimum: 1, default: 20 },
} as const;
/**
 * `page` and `per_page` on a list route: one decorator, so no list documents only one. Applied in
 * the order stacked decorators were (bottom first), so the document lists `page` first as before.
 */
export const ApiPagination = () => applyDecorators(ApiQuery(PER_PAGE_QUERY), ApiQuery(PAGE_QUERY));

// Named components of the document (#/components/schemas/<name>).
nameSchemas({
  UnauthorizedError: unauthorizedErrorSchema,
  InsufficientScopeError: insufficientScopeErrorSchema,
  ForbiddenError: forbiddenErrorSchema,
  DirectAccessForbiddenError: directAccessForbiddenErrorSchema,
  NotFoundError: notFoundErrorSchema,
  ValidationError: validationErrorSchema,
  ConflictError: conflictErrorSchema,
  RateLimitedError: rateLimitedErrorSchema,
  PayloadTooLargeError: payloadTooLargeErrorSchema,
  UnsupportedMediaTypeError: unsupportedMediaTypeErrorSchema,
  ServiceUnavailableError: serviceUnavailableErrorSchema,
  GatewayError: gatewayErrorSchema,
});
