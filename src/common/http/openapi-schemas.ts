/**
 * JSON schemas for the OpenAPI document (served at /api/docs, see openapi.ts).
 *
 * Validation is done with zod (ZodPipe), so @nestjs/swagger cannot infer request bodies: the
 * schemas below restate the controllers' zod schemas and the answers' shapes (CONTRACT.md).
 * When a zod schema changes, change its twin here; test/e2e/openapi.e2e.spec.ts checks the
 * important ones against the running app.
 */
import type { ApiResponseOptions, SchemaObject } from '@nestjs/swagger';
import { TOKEN_SCOPES } from '../auth/principal';
import { RATE_LIMIT_MESSAGE } from '../errors/domain-error.filter';
import { MAX_BODY_CHARS, MAX_CONTENT_CHARS } from '../../code-suggestions/completion-input.schema';

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
};

// ---------------------------------------------------------------------------------------------
// Building blocks

const str = (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra });
const int = (extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra });
const bool = (extra: SchemaObject = {}): SchemaObject => ({ type: 'boolean', ...extra });
const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
const dateTime = (extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  ...extra,
});
const date = (extra: SchemaObject = {}): SchemaObject => ({
  type: 'string',
  format: 'date',
  example: '2026-12-31',
  ...extra,
});
const object = (
  properties: Record<string, SchemaObject>,
  required: string[] = [],
  extra: SchemaObject = {},
): SchemaObject => ({
  type: 'object',
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...extra,
});
/** zod's strictObject: unknown fields are refused with 400. */
const strict = (
  properties: Record<string, SchemaObject>,
  required: string[] = [],
  extra: SchemaObject = {},
): SchemaObject => object(properties, required, { additionalProperties: false, ...extra });

/** `looseBoolean`: a JSON boolean, or the strings form-style clients send. */
const looseBoolean = (description?: string): SchemaObject => ({
  oneOf: [bool(), str({ enum: ['true', 'false'] })],
  ...(description ? { description } : {}),
});
/** Positive integer ids (zod `coerce`: numeric strings are accepted too). */
const positiveId = (description?: string): SchemaObject =>
  int({ minimum: 1, ...(description ? { description } : {}) });

const USERNAME_PATTERN = '^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*$';
const PATH_PATTERN = '^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$';

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
  example: { message: '415 Unsupported Media Type' },
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

// ---------------------------------------------------------------------------------------------
// Code Suggestions

const contextItemSchema = object(
  {
    type: str({ enum: ['file', 'snippet'] }),
    name: str({ minLength: 1, maxLength: 255, description: 'Not blank' }),
    content: str({ minLength: 1, description: 'Not blank' }),
  },
  ['type', 'name', 'content'],
);

/** `POST /api/v4/code_suggestions/completions` (completion-input.schema.ts, CONTRACT.md §1). */
export const completionRequestSchema = object(
  {
    current_file: object(
      {
        file_name: str({ maxLength: 255, example: 'main.py' }),
        content_above_cursor: str({
          maxLength: MAX_CONTENT_CHARS,
          example: 'def add(a, b):\n    ',
        }),
        content_below_cursor: str({ maxLength: MAX_CONTENT_CHARS }),
        language_identifier: str({ maxLength: 255, example: 'python' }),
      },
      ['file_name', 'content_above_cursor'],
    ),
    intent: str({ enum: ['completion', 'generation'] }),
    generation_type: str({ enum: ['comment', 'empty_function', 'small_file'] }),
    stream: bool({ default: false, description: 'Stream the answer (text/event-stream)' }),
    project_path: str({ maxLength: 1000, example: 'gitlab-org/gitlab' }),
    project_id: int(),
    user_instruction: str({ maxLength: MAX_CONTENT_CHARS, description: 'Given → generation' }),
    context: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      description: 'Extra context; not empty when given',
      items: contextItemSchema,
    },
    choices_count: int({ minimum: 1, maximum: 10, description: 'Passed through' }),
    prompt_version: int({ description: 'Passed through' }),
    telemetry: { type: 'array', maxItems: 100, items: {}, description: 'Passed through' },
  },
  ['current_file'],
  {
    description: `Unknown fields are ignored. The whole body may have at most ${MAX_BODY_CHARS.toLocaleString('en-US')} characters (413).`,
    example: {
      current_file: {
        file_name: 'main.py',
        content_above_cursor: 'def add(a, b):\n    ',
        content_below_cursor: '',
      },
      intent: 'completion',
      stream: false,
    },
  },
);

/** The `/v2/code/completions` JSON answer (non-streaming), passed through from the AI Gateway. */
export const completionAnswerSchema = object(
  {
    id: str(),
    model: object({ engine: str(), name: str(), lang: str() }),
    object: str({ example: 'text_completion' }),
    created: int({ description: 'Epoch seconds' }),
    choices: {
      type: 'array',
      items: object({ text: str(), index: int(), finish_reason: str() }, ['text', 'index']),
    },
    experiments: { type: 'array', items: {} },
  },
  ['choices'],
  {
    additionalProperties: true,
    description: 'The AI Gateway answer, passed through (v3/v4 shapes differ)',
  },
);

export const completionStreamSchema = str({
  description:
    'Streaming answer. From `/v2` and `/v3`: raw text chunks. From `/v4/code/suggestions` (header `X-Streaming-Format: sse`): ' +
    'Server-Sent Events `event: stream_start`, `event: content_chunk` with data `{"choices":[{"delta":{"content":"..."},"index":0}]}`, `event: stream_end`.',
  example:
    'event: stream_start\ndata: {}\n\nevent: content_chunk\ndata: {"choices":[{"delta":{"content":"return a + b"},"index":0}]}\n\nevent: stream_end\ndata: {}\n\n',
});

export const COMPLETION_OK_RESPONSE: ApiResponseOptions = {
  status: 200,
  description:
    "The AI Gateway's answer, status and body passed through. `stream: true` answers `text/event-stream`: raw text chunks, or real SSE " +
    '(`X-Streaming-Format: sse`) when routed to the v4 API.',
  content: {
    'application/json': { schema: completionAnswerSchema },
    'text/event-stream': { schema: completionStreamSchema },
  },
  headers: {
    'X-Streaming-Format': {
      description: '`sse` when the stream is Server-Sent Events (AI Gateway v4 API)',
      schema: str({ enum: ['sse'] }),
    },
    'X-Switchboard-Decision-Stale': {
      description:
        'Set when the routing decision used stale flags or cached identity (degraded mode), e.g. `flags`',
      schema: str(),
    },
    'Cache-Control': { description: '`no-cache` on streams', schema: str() },
  },
};

/** 503: the AI Gateway could not be used; a hang is never the answer. */
export const GATEWAY_UNAVAILABLE_RESPONSE: ApiResponseOptions = {
  status: 503,
  description:
    'The AI Gateway is unreachable, closed the connection early, did not send headers within 55 s, or its model is failing ' +
    '(circuit open): `{"message": …}`. Or the AI Gateway\'s own 503 (`{"detail":"Inference failed"}`), passed through.',
  schema: { oneOf: [serviceUnavailableErrorSchema, gatewayErrorSchema] },
};

/** Other AI Gateway errors (its 401, 403, 422, 429 with Retry-After, 5xx) are passed through with their status. */
export const GATEWAY_ERROR_RESPONSE: ApiResponseOptions = {
  status: 422,
  description:
    'The AI Gateway\'s validation error, passed through. Its other errors (401 `{"error"}`, 403 `{"detail"}`, 429 with ' +
    '`Retry-After`, 5xx) are passed through the same way, with their status.',
  schema: gatewayErrorSchema,
};

/** `POST /api/v4/code_suggestions/direct_access`. */
export const directAccessRequestSchema = object(
  {
    project_path: str({ maxLength: 1000, example: 'gitlab-org/gitlab' }),
    projectPath: str({ maxLength: 1000, description: 'Alias of `project_path`' }),
  },
  [],
  { example: { project_path: 'gitlab-org/gitlab' } },
);

export const directAccessAnswerSchema = object(
  {
    base_url: str({
      description: 'The AI Gateway URL, without a trailing `/v2`',
      example: 'https://cloud.gitlab.com/ai',
    }),
    token: str({
      description: 'RS256 JWT for the AI Gateway (aud `gitlab-ai-gateway`), valid 1 hour',
    }),
    expires_at: int({ description: 'Epoch seconds; clients refresh when now > expires_at - 40 s' }),
    headers: object(
      {
        'X-Gitlab-Instance-Id': str(),
        'X-Gitlab-Realm': str({ enum: ['saas', 'self-managed'] }),
        'X-Gitlab-Global-User-Id': str(),
        'X-Gitlab-Host-Name': str(),
        'X-Gitlab-Version': str(),
        'X-Gitlab-Authentication-Type': str({ enum: ['oidc'] }),
        'X-Gitlab-Feature-Enabled-By-Namespace-Ids': str(),
        'X-Gitlab-Feature-Enablement-Type': str(),
        'x-gitlab-enabled-feature-flags': str(),
        'X-Gitlab-Model-Prompt-Cache-Enabled': str(),
      },
      [],
      {
        additionalProperties: { type: 'string' },
        description: 'Identity headers to send with every AI Gateway call',
      },
    ),
    model_details: object(
      {
        model_provider: str({ example: 'vertex-ai' }),
        model_name: str({ example: 'code-gecko@002' }),
      },
      [],
      { description: 'Spread into the completion body; empty when the gateway picks the model' },
    ),
  },
  ['base_url', 'token', 'expires_at', 'headers', 'model_details'],
);

export const DIRECT_ACCESS_FORBIDDEN_RESPONSE: ApiResponseOptions = {
  status: 403,
  description:
    'Direct connections are disabled (instance setting, completion failover flag on for the user, or a seat-giving group disabled them) — ' +
    'or the token lacks the scope (`{"error":"insufficient_scope", …}`)',
  schema: { oneOf: [directAccessForbiddenErrorSchema, insufficientScopeErrorSchema] },
};

/** `POST /api/v4/code_suggestions/enabled`. */
export const enabledRequestSchema = object(
  { project_path: str({ minLength: 1, maxLength: 1000, example: 'gitlab-org/gitlab' }) },
  ['project_path'],
);

export const connectionDetailsSchema = object({
  instance_id: str(),
  instance_version: str({ example: '18.6.0' }),
  realm: str({ enum: ['saas', 'self-managed'] }),
  global_user_id: str(),
  host_name: str(),
  feature_enablement_type: str({ enum: ['duo_pro', 'duo_enterprise'] }),
  saas_duo_pro_namespace_ids: { type: 'array', items: int() },
});

const routingDecisionSchema = object({
  task: str({ enum: ['completion', 'generation'] }),
  generation_type: nullable(str()),
  api: str({ description: 'The AI Gateway API used (v2, v3, v4)' }),
  endpoint: str({ example: '/v2/code/completions' }),
  model: nullable(object({ provider: str(), name: str(), prompt_version: int() })),
  generation_prompt: nullable({}),
  model_source: str({ description: 'Which rule chose the model (default, beta flag, failover …)' }),
  direct_access: object({ allowed: bool(), reason: str() }, [], { additionalProperties: true }),
  deciding_flags: {
    type: 'object',
    additionalProperties: { type: 'boolean' },
    description: 'Every flag consulted and its answer',
  },
  trace: { type: 'array', items: {}, description: 'Every rule and flag consulted, in order' },
});

/** `GET /api/v4/code_suggestions/routing` (routing-explain.controller.ts). */
export const routingExplanationSchema = object({
  user: object({ id: int(), username: str() }),
  project: nullable(object({ id: int(), path_with_namespace: str() })),
  seat: object({
    has_seat: bool(),
    groups: {
      type: 'array',
      items: object({
        id: int(),
        full_path: str(),
        add_on: str(),
        direct_code_suggestions_enabled: bool(),
      }),
    },
  }),
  flag_context: object({
    primary_actor: {},
    actors: { type: 'array', items: str() },
    feature_groups: { type: 'array', items: str() },
  }),
  kill_switch: object({ name: str(), enabled: bool(), gate: str() }, [], {
    additionalProperties: true,
  }),
  completion: routingDecisionSchema,
  generation: routingDecisionSchema,
  generation_with_sse: routingDecisionSchema,
  instance: object({
    realm: str({ enum: ['saas', 'self-managed'] }),
    disabled_direct_code_suggestions: bool(),
  }),
  breakers: { description: 'Circuit breaker state per model' },
  rollout_guard: { description: 'Rollout guard status' },
  flag_source: object({ kind: str(), stale: bool() }),
});

// ---------------------------------------------------------------------------------------------
// Version

export const versionSchema = object({ version: str({ example: '18.6.0' }), revision: str() }, [
  'version',
  'revision',
]);
export const metadataSchema = object({
  version: str({ example: '18.6.0' }),
  revision: str(),
  kas: object({ enabled: bool(), externalUrl: nullable(str()), version: nullable(str()) }),
  enterprise: bool(),
});

// ---------------------------------------------------------------------------------------------
// Users and tokens

export const userSchema = object({
  id: int(),
  username: str(),
  name: str(),
  state: str({ enum: ['active', 'blocked'] }),
  locked: bool(),
  avatar_url: nullable(str()),
  web_url: nullable(str()),
  created_at: dateTime(),
  is_admin: bool(),
  bot: bool(),
  email: nullable(str({ description: 'Only for oneself and for administrators' })),
});

export const createUserRequestSchema = strict(
  {
    username: str({ minLength: 1, maxLength: 255, pattern: USERNAME_PATTERN, example: 'ada' }),
    name: str({ minLength: 1, maxLength: 255, example: 'Ada Lovelace' }),
    email: str({ format: 'email', maxLength: 255 }),
    admin: looseBoolean(),
  },
  ['username', 'name'],
);
export const updateUserRequestSchema = strict({
  name: str({ minLength: 1, maxLength: 255 }),
  admin: looseBoolean(),
  state: str({ enum: ['active', 'blocked'] }),
});

export const tokenSchema = object({
  id: int(),
  name: str(),
  revoked: bool(),
  created_at: dateTime(),
  description: nullable(str()),
  scopes: { type: 'array', items: str({ enum: [...TOKEN_SCOPES] }) },
  user_id: int(),
  last_used_at: nullable(dateTime()),
  active: bool(),
  expires_at: nullable(date()),
});
export const createdTokenSchema: SchemaObject = {
  allOf: [
    tokenSchema,
    object({ token: str({ description: 'The secret. Shown in this answer only.' }) }, ['token']),
  ],
};
export const createTokenRequestSchema = strict(
  {
    name: str({ minLength: 1, maxLength: 255, example: 'language-server' }),
    scopes: {
      type: 'array',
      minItems: 1,
      maxItems: TOKEN_SCOPES.length,
      items: str({ enum: [...TOKEN_SCOPES] }),
      example: ['ai_features'],
    },
    expires_at: nullable(date({ description: 'YYYY-MM-DD, in the future' })),
    description: str({ maxLength: 255 }),
  },
  ['name', 'scopes'],
);

// ---------------------------------------------------------------------------------------------
// Groups, projects, members

export const groupSchema = object({
  id: int(),
  name: str(),
  path: str(),
  full_path: str(),
  parent_id: nullable(int()),
  kind: str({ enum: ['group'] }),
  duo_features_enabled: bool(),
  direct_code_suggestions_enabled: bool(),
  created_at: dateTime(),
});
export const createGroupRequestSchema = strict(
  {
    name: str({ minLength: 1, maxLength: 255, example: 'Acme' }),
    path: str({ minLength: 1, maxLength: 255, pattern: PATH_PATTERN, example: 'acme' }),
    parent_id: positiveId('Parent group (subgroups)'),
    description: str({ maxLength: 2000 }),
    visibility: str({ enum: ['private', 'internal', 'public'] }),
  },
  ['name', 'path'],
);
export const updateGroupRequestSchema = strict({
  name: str({ minLength: 1, maxLength: 255 }),
  duo_features_enabled: looseBoolean(),
  direct_code_suggestions_enabled: looseBoolean(),
});
export const groupMemberRequestSchema = strict(
  {
    user_id: positiveId(),
    access_level: int({ enum: [10, 20, 30, 40, 50], default: 30 }),
  },
  ['user_id'],
);
export const groupMemberSchema = object({
  id: int({ description: 'The user id' }),
  access_level: int(),
  group_id: int(),
});

export const projectSchema = object({
  id: int(),
  name: str(),
  path: str(),
  path_with_namespace: str({ example: 'acme/widgets' }),
  namespace: object({ id: int(), kind: str({ enum: ['group'] }), full_path: str() }),
  duo_features_enabled: bool(),
  created_at: dateTime(),
});
export const createProjectRequestSchema = strict(
  {
    name: str({ minLength: 1, maxLength: 255, example: 'Widgets' }),
    path: str({ minLength: 1, maxLength: 255, pattern: PATH_PATTERN, example: 'widgets' }),
    namespace_id: positiveId('The group holding the project'),
    description: str({ maxLength: 2000 }),
    visibility: str({ enum: ['private', 'internal', 'public'] }),
  },
  ['name', 'namespace_id'],
);
export const updateProjectRequestSchema = strict({
  name: str({ minLength: 1, maxLength: 255 }),
  duo_features_enabled: looseBoolean(),
});
export const projectMemberRequestSchema = strict(
  { user_id: positiveId(), access_level: int({ minimum: 10, maximum: 50, default: 30 }) },
  ['user_id'],
);
export const projectMemberSchema = object({
  id: int({ description: 'The user id' }),
  access_level: int(),
  project_id: int(),
});

// ---------------------------------------------------------------------------------------------
// Add-on purchases and seats

export const purchaseSchema = object({
  id: int(),
  namespace_id: int(),
  add_on: str({ enum: ['duo_pro', 'duo_enterprise'] }),
  quantity: int(),
  assigned_quantity: int(),
  starts_at: nullable(date()),
  expires_at: nullable(date()),
  created_at: dateTime(),
});
export const createPurchaseRequestSchema = strict(
  {
    add_on: str({ enum: ['duo_pro', 'duo_enterprise'] }),
    quantity: int({ minimum: 1, maximum: 1_000_000 }),
    starts_at: date(),
    expires_at: date({ description: 'After starts_at' }),
  },
  ['add_on', 'quantity'],
);
export const seatAssignmentRequestSchema = strict({ user_id: positiveId() }, ['user_id']);
export const seatAssignmentSchema = object({
  id: int(),
  user_id: int(),
  add_on_purchase_id: int(),
  created_at: dateTime(),
});

// ---------------------------------------------------------------------------------------------
// Application settings

export const settingsSchema = object({
  instance_id: str({ description: 'Read-only' }),
  gitlab_realm: str({ enum: ['saas', 'self-managed'] }),
  host_name: str(),
  disabled_direct_code_suggestions: bool(),
  ai_gateway_url: nullable(str({ format: 'uri' })),
  updated_at: dateTime(),
});
export const updateSettingsRequestSchema = strict({
  disabled_direct_code_suggestions: looseBoolean(),
  gitlab_realm: str({ enum: ['saas', 'self-managed'] }),
  ai_gateway_url: nullable(
    str({ format: 'uri', description: 'An http(s) URL; null to use AIGW_URL' }),
  ),
  host_name: str({ minLength: 1, maxLength: 255 }),
  instance_id: { description: 'Read-only: sending it answers 400 `instance_id is read-only`' },
});

// ---------------------------------------------------------------------------------------------
// Audit

export const auditEventSchema = object({
  id: int(),
  author_id: nullable(int()),
  author_name: nullable(str()),
  entity_type: str(),
  entity_id: str(),
  event_name: str(),
  details: object({ before: {}, after: {} }),
  created_at: dateTime(),
});

// ---------------------------------------------------------------------------------------------
// Features API

export const featureDefinitionSchema = object({
  name: str(),
  type: str({ enum: ['beta', 'ops', 'gitlab_com_derisk', 'wip', 'experiment'] }),
  default_enabled: bool(),
  description: nullable(str()),
  rollout_issue_url: nullable(str()),
  milestone: nullable(str()),
  group: nullable(str()),
  log_state_changes: nullable(bool()),
});
export const featureSchema = object(
  {
    name: str(),
    state: str({ enum: ['on', 'off', 'conditional'] }),
    gates: {
      type: 'array',
      items: object({
        key: str({
          enum: ['boolean', 'actors', 'groups', 'percentage_of_actors', 'percentage_of_time'],
        }),
        value: {},
      }),
    },
    definition: nullable(featureDefinitionSchema),
  },
  ['name', 'state', 'gates'],
  {
    example: {
      name: 'code_completion_v4_endpoint',
      state: 'conditional',
      gates: [
        { key: 'boolean', value: false },
        { key: 'actors', value: ['User:1'] },
        { key: 'percentage_of_actors', value: 25 },
      ],
      definition: {
        name: 'code_completion_v4_endpoint',
        type: 'beta',
        default_enabled: false,
        rollout_issue_url: null,
        milestone: '18.6',
        group: 'group::code creation',
      },
    },
  },
);
const commaList = (what: string): SchemaObject =>
  str({ maxLength: 5000, description: `Comma-separated ${what}` });
/** `POST /api/v4/features/:name` (feature-params.ts). */
export const setFeatureRequestSchema = strict(
  {
    value: {
      description: '`true`, `false`, or an integer percentage 0-100 (with `key`)',
      oneOf: [bool(), int({ minimum: 0, maximum: 100 }), str({ maxLength: 20 })],
    },
    key: str({ enum: ['percentage_of_actors', 'percentage_of_time'] }),
    feature_group: str({ maxLength: 1000, description: 'e.g. `gitlab_team_members`' }),
    user: commaList('usernames'),
    group: commaList('group paths'),
    namespace: commaList('namespace paths'),
    project: commaList('project paths'),
    repository: str({ maxLength: 5000, description: 'Not supported by Switchboard (400)' }),
    instance: looseBoolean(),
    force: looseBoolean(),
  },
  ['value'],
  { example: { value: true, user: 'ada,grace' } },
);
export const featureEvaluationSchema = object({
  name: str(),
  enabled: bool(),
  gate: str({ description: 'The gate that decided, e.g. `actors` or `default_enabled`' }),
  context: object({
    primary_actor: {},
    actors: { type: 'array', items: str() },
    feature_groups: { type: 'array', items: str() },
  }),
  source: str({ description: 'The flag store: embedded or unleash' }),
  stale: bool(),
});

// ---------------------------------------------------------------------------------------------
// Signing keys, discovery, health

export const signingKeySchema = object({
  kid: str(),
  created_at: nullable(dateTime()),
  retired_at: nullable(dateTime()),
  published_until: nullable(dateTime()),
  active: bool(),
  published: bool(),
});
export const rotateSigningKeyRequestSchema = strict({
  activate_in_seconds: int({
    minimum: 0,
    maximum: 30 * 24 * 3600,
    default: 0,
    description: 'Publish the new key now, sign with it only after this many seconds',
  }),
});
export const rotateSigningKeyAnswerSchema = object({
  kid: str(),
  activates_at: dateTime(),
  previous_kid: nullable(str()),
  previous_published_until: nullable(dateTime()),
});

export const openidConfigurationSchema = object({
  issuer: str({ format: 'uri' }),
  jwks_uri: str({ format: 'uri' }),
  response_types_supported: { type: 'array', items: str() },
  subject_types_supported: { type: 'array', items: str() },
  id_token_signing_alg_values_supported: { type: 'array', items: str() },
  claim_types_supported: { type: 'array', items: str() },
  claims_supported: { type: 'array', items: str() },
  scopes_supported: { type: 'array', items: str() },
});
export const jwksSchema = object(
  {
    keys: {
      type: 'array',
      items: object({
        kty: str({ example: 'RSA' }),
        kid: str(),
        use: str(),
        alg: str({ example: 'RS256' }),
        n: str(),
        e: str(),
      }),
    },
  },
  ['keys'],
);
export const livenessSchema = object({ status: str({ enum: ['ok'] }) });
export const readinessSchema = object({
  status: str({ enum: ['ok', 'degraded', 'failed'] }),
  checks: {
    type: 'object',
    additionalProperties: object({ ok: bool(), degraded: bool(), detail: {} }),
  },
});

/** `304 Not Modified` for conditional GETs (ETag / If-None-Match). */
export const NOT_MODIFIED_RESPONSE: ApiResponseOptions = {
  status: 304,
  description: 'Not modified (`If-None-Match` matched the ETag)',
};
