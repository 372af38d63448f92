/* OpenAPI schemas: see openapi-schemas.ts. */
import type { ApiResponseOptions, SchemaObject } from '@nestjs/swagger';
import { TOKEN_SCOPES } from '../../auth/principal';
import {
  str,
  int,
  bool,
  nullable,
  dateTime,
  date,
  object,
  strict,
  looseBoolean,
  positiveId,
  USERNAME_PATTERN,
  PATH_PATTERN,
} from './base.schemas';

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
    password: str({
      maxLength: 1000,
      description:
        'Accepted for GitLab clients and discarded: Switchboard has no password login and stores no password',
    }),
    reset_password: looseBoolean(),
    force_random_password: looseBoolean(),
    skip_confirmation: looseBoolean(),
    projects_limit: int(),
    can_create_group: looseBoolean(),
    external: looseBoolean(),
    private_profile: looseBoolean(),
    note: str({ maxLength: 2000 }),
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

/** `GET /groups/:id/members`: the user, with the membership's access level. */
export const memberSchema: SchemaObject = {
  allOf: [userSchema, object({ access_level: int(), created_at: dateTime() })],
};

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
  introduced_by_url: nullable(str()),
  rollout_issue_url: nullable(str()),
  feature_issue_url: nullable(str()),
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
      description:
        '`true`, `false`, or an integer percentage 0-100: of time, unless `key` is `percentage_of_actors`',
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
