import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Scopes } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import type { UpstreamResponse } from '../gateway/gateway.types';
import { ApiZodBody } from '../common/http/openapi/zod-openapi';
import { completionInputSchema } from './completion-input.schema';
import { CompletionsService } from './completions.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  KILL_SWITCH_RESPONSE,
  NO_SEAT_RESPONSE,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import {
  COMPLETION_OK_RESPONSE,
  GATEWAY_ERROR_RESPONSE,
  GATEWAY_UNAVAILABLE_RESPONSE,
} from './code-suggestions.openapi';

import { STALE_HEADER } from './stale-sources';

export { STALE_HEADER };

/** Upstream headers worth passing back to the IDE. */
const PASS_BACK = ['content-type', 'x-streaming-format', 'retry-after'];

@Controller('api/v4/code_suggestions')
@ApiTags(TAGS.codeSuggestions)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
export class CompletionsController {
  constructor(private readonly completions: CompletionsService) {}

  @Post('completions')
  @Scopes('api', 'ai_features')
  @ApiOperation({
    summary: 'Code completion or generation through Switchboard (indirect path)',
    description:
      'Checks, in order: token 401 / scope 403 (`api` or `ai_features`); kill switch `ai_duo_code_suggestions_switch` off 404; ' +
      'no Duo seat 401 with `X-GitLab-Error-Origin: monolith`; validation 400 `{"error":"<field> <problem>"}`; ' +
      'rate limit (default 60/min/user) 429; body over 600,000 characters 413. Then the request is routed (completion or generation, ' +
      'model chosen by feature flags) and forwarded to the AI Gateway, whose status, body and stream are passed through. ' +
      'With `stream: true` the answer is `text/event-stream`; routed to the v4 API it is real SSE with `X-Streaming-Format: sse`.',
  })
  @ApiZodBody(completionInputSchema)
  @ApiHeader({
    name: 'X-Supports-Sse-Streaming',
    required: false,
    description: '`true`: generation requests go to the AI Gateway v4 API (SSE streaming)',
  })
  @ApiResponse(COMPLETION_OK_RESPONSE)
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NO_SEAT_RESPONSE)
  @ApiResponse(ERROR_RESPONSES.insufficientScope)
  @ApiResponse(KILL_SWITCH_RESPONSE)
  @ApiResponse(ERROR_RESPONSES.payloadTooLarge)
  @ApiResponse(ERROR_RESPONSES.unsupportedMediaType)
  @ApiResponse({
    ...ERROR_RESPONSES.rateLimited,
    description: 'Too many completion requests from this user (default limit: 60 a minute)',
  })
  @ApiResponse(GATEWAY_ERROR_RESPONSE)
  @ApiResponse(GATEWAY_UNAVAILABLE_RESPONSE)
  async complete(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const aborted = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    const result = await this.completions.complete(principal, body, {
      headers: req.headers,
      requestId: String(req.id),
      bodyChars: req.bodyChars ?? 0,
      signal: aborted.signal,
      onRouted: (labels) => {
        req.completionLabels = labels;
      },
      elapsedMs: () => reply.elapsedTime,
    });
    if (result.stale.length > 0) void reply.header(STALE_HEADER, result.stale.join(','));
    send(reply, result.response);
  }
}

export function send(reply: FastifyReply, res: UpstreamResponse): void {
  void reply.status(res.status);
  for (const h of PASS_BACK) if (res.headers[h]) void reply.header(h, res.headers[h]);
  if (res.kind === 'stream') {
    void reply.header('cache-control', 'no-cache').send(res.stream);
    return;
  }
  void reply.header('content-type', 'application/json; charset=utf-8').send(res.body);
}
