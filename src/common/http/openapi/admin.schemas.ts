/* OpenAPI schemas: see openapi-schemas.ts. */
import type { ApiResponseOptions, SchemaObject } from '@nestjs/swagger';
import { TOKEN_SCOPES } from '../../auth/principal';
import { str, int, bool, nullable, dateTime, date, object } from './base.schemas';
import { nameSchemas } from './zod-openapi';

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
  state: str({ enum: ['active', 'blocked', 'deactivated'] }),
  locked: bool(),
  avatar_url: nullable(str()),
  web_url: nullable(str()),
  created_at: dateTime(),
  is_admin: bool(),
  bot: bool(),
  email: nullable(str({ description: 'Only for oneself and for administrators' })),
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
/** GitLab's member: the user (id is the user's), with the membership's access level and dates. */
export const memberSchema: SchemaObject = {
  allOf: [
    userSchema,
    object({
      access_level: int(),
      created_at: dateTime(),
      expires_at: nullable(date({ description: 'Never set here: memberships do not expire' })),
    }),
  ],
};

/** `GET /users/:id/memberships`. */
export const membershipSchema = object({
  source_id: int(),
  source_name: str(),
  source_type: str({ enum: ['Namespace', 'Project'] }),
  access_level: int(),
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
  names: object({}, [], {
    description:
      'Readable names of the ids the event mentions (`User:2` → username, `Group:1` → group path, `Project:3` → project path); an id whose record is gone is absent',
    additionalProperties: str(),
  }),
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
const FEATURE_GATE_KEYS =
  'boolean actors groups percentage_of_actors percentage_of_time unleash_strategies'.split(' ');
export const featureSchema = object(
  {
    name: str(),
    state: str({ enum: ['on', 'off', 'conditional'] }),
    gates: {
      type: 'array',
      items: object({
        key: str({
          enum: [...FEATURE_GATE_KEYS],
          description:
            '`unleash_strategies` (Unleash mode): strategies made in Unleash that no gate expresses, each ' +
            '`{source: "unleash", id, name, title, parameters, constraints, disabled, active, summary}`',
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
export const featureEvaluationSchema = object({
  name: str(),
  enabled: bool(),
  gate: str({ description: 'The gate that decided, e.g. `actors`, or `unleash_strategy`' }),
  strategy: object({ id: nullable(str()), name: str(), title: nullable(str()) }),
  context: object({
    primary_actor: {},
    actors: { type: 'array', items: str() },
    feature_groups: { type: 'array', items: str() },
  }),
  source: str({ description: 'The flag store: embedded or unleash' }),
  stale: bool(),
});

/** `304 Not Modified` for conditional GETs (ETag / If-None-Match). */
export const NOT_MODIFIED_RESPONSE: ApiResponseOptions = {
  status: 304,
  description: 'Not modified (`If-None-Match` matched the ETag)',
};

// Named components of the document (#/components/schemas/<name>).
nameSchemas({
  Version: versionSchema,
  Metadata: metadataSchema,
  User: userSchema,
  Token: tokenSchema,
  CreatedToken: createdTokenSchema,
  Group: groupSchema,
  Member: memberSchema,
  Membership: membershipSchema,
  Project: projectSchema,
  Purchase: purchaseSchema,
  SeatAssignment: seatAssignmentSchema,
  Settings: settingsSchema,
  AuditEvent: auditEventSchema,
  FeatureDefinition: featureDefinitionSchema,
  Feature: featureSchema,
  FeatureEvaluation: featureEvaluationSchema,
});
