/*
 * OpenAPI answers of the Code Suggestions routes. Request bodies are not here: they are derived
 * from the zod schemas that validate them (common/http/openapi/zod-openapi.ts).
 */
import type { ApiResponseOptions } from '@nestjs/swagger';
import {
  str,
  int,
  bool,
  nullable,
  object,
  insufficientScopeErrorSchema,
  directAccessForbiddenErrorSchema,
  serviceUnavailableErrorSchema,
  gatewayErrorSchema,
} from '../common/http/openapi/base.schemas';
import { nameSchemas } from '../common/http/openapi/zod-openapi';

// ---------------------------------------------------------------------------------------------
// Code Suggestions

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
    metadata: object(
      {
        model: object({ engine: str(), name: str(), lang: str() }),
        timestamp: int({ description: 'Epoch seconds' }),
        enabled_feature_flags: { type: 'array', items: str() },
      },
      [],
      {
        additionalProperties: true,
        description: "The AI Gateway's metadata block (v3/v4 answers), passed through",
      },
    ),
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

export const directAccessAnswerSchema = object(
  {
    base_url: str({
      description: 'The AI Gateway URL, without a trailing `/v2`',
      example: 'https://cloud.gitlab.com/ai',
    }),
    token: str({
      description:
        'RS256 JWT for the AI Gateway (aud `gitlab-ai-gateway`), valid DIRECT_ACCESS_TOKEN_LIFETIME_SEC (default 110 s)',
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
        'X-Gitlab-Deployment-Type': str({ enum: ['.com', 'self-managed'] }),
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
        model_provider: str({ example: 'fireworks_ai' }),
        model_name: str({ example: 'codestral-2508' }),
      },
      [],
      {
        description:
          'Spread into the /v2/completions body: the v2 names of the model the rules picked, as the pinned gateway accepts them',
      },
    ),
    model_metadata: object(
      {
        provider: str({ enum: ['gitlab'] }),
        feature_setting: str({ example: 'code_completions' }),
        identifier: str({ example: 'codestral_2508_vertex' }),
      },
      ['provider', 'feature_setting', 'identifier'],
      {
        description:
          'Only when a rule chose (pinned) a model: the model_metadata for /v4/code/suggestions',
      },
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

export const connectionDetailsSchema = object({
  instance_id: str(),
  instance_version: str({ example: '18.6.0' }),
  realm: str({ enum: ['saas', 'self-managed'] }),
  global_user_id: str(),
  host_name: str(),
  feature_enablement_type: str({ enum: ['duo_pro', 'duo_enterprise'] }),
  saas_duo_pro_namespace_ids: { type: 'array', items: int() },
});

export const routingDecisionSchema = object({
  task: str({ enum: ['completion', 'generation'] }),
  generation_type: nullable(str()),
  api: str({ description: 'The AI Gateway API used (v2, v3, v4)' }),
  endpoint: str({ example: '/v2/code/completions' }),
  model: nullable(object({ provider: str(), name: str(), prompt_version: int() })),
  generation_prompt: nullable(
    object({ promptId: str(), promptVersion: str() }, [], {
      description: 'The AI Gateway prompt of a generation (v3/v4), when one is used',
    }),
  ),
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

// Named components of the document (#/components/schemas/<name>).
nameSchemas({
  CompletionAnswer: completionAnswerSchema,
  CompletionStream: completionStreamSchema,
  DirectAccessAnswer: directAccessAnswerSchema,
  ConnectionDetails: connectionDetailsSchema,
  RoutingExplanation: routingExplanationSchema,
  RoutingDecision: routingDecisionSchema,
});
