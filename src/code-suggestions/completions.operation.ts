import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  KILL_SWITCH_RESPONSE,
  NO_SEAT_RESPONSE,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import type { RouteOperation } from '../common/http/openapi/route-operations';
import {
  COMPLETION_OK_RESPONSE,
  GATEWAY_ERROR_RESPONSE,
  GATEWAY_UNAVAILABLE_RESPONSE,
} from './code-suggestions.openapi';
import { completionInputSchema } from './completion-input.schema';

export const COMPLETIONS_PATH = '/api/v4/code_suggestions/completions';

/** The OpenAPI operation of the completions route (declared on Fastify: completions.route.ts). */
export const COMPLETIONS_OPERATION: RouteOperation = {
  method: 'post',
  path: COMPLETIONS_PATH,
  operationId: 'CompletionsRoute_complete',
  tags: [TAGS.codeSuggestions],
  summary: 'Code completion or generation through Switchboard (indirect path)',
  description:
    'Checks, in order: token 401 / scope 403 (`api` or `ai_features`); kill switch `ai_duo_code_suggestions_switch` off 404; ' +
    'no Duo seat 401 with `X-GitLab-Error-Origin: monolith`; validation 400 `{"error":"<field> <problem>"}`; ' +
    'rate limit (default 60/min/user) 429; body over 600,000 characters 413. Then the request is routed (completion or generation, ' +
    'model chosen by feature flags) and forwarded to the AI Gateway, whose status, body and stream are passed through. ' +
    'With `stream: true` the answer is `text/event-stream`; routed to the v4 API it is real SSE with `X-Streaming-Format: sse`.',
  // The component name it has always had in the document (clients generated from it keep it).
  body: { schema: completionInputSchema, name: 'CompletionsCompleteRequest' },
  headers: [
    {
      name: 'X-Supports-Sse-Streaming',
      required: false,
      description: '`true`: generation requests go to the AI Gateway v4 API (SSE streaming)',
    },
  ],
  responses: [
    COMPLETION_OK_RESPONSE,
    ERROR_RESPONSES.badRequest,
    NO_SEAT_RESPONSE,
    ERROR_RESPONSES.insufficientScope,
    KILL_SWITCH_RESPONSE,
    ERROR_RESPONSES.payloadTooLarge,
    ERROR_RESPONSES.unsupportedMediaType,
    {
      ...ERROR_RESPONSES.rateLimited,
      description: 'Too many completion requests from this user (default limit: 60 a minute)',
    },
    GATEWAY_ERROR_RESPONSE,
    GATEWAY_UNAVAILABLE_RESPONSE,
  ],
  security: [BEARER_SCHEME, PRIVATE_TOKEN_SCHEME],
};
