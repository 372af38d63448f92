import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Scopes } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import type { UpstreamResponse } from '../gateway/gateway.types';
import { CompletionsService } from './completions.service';

/** Set when the decision was made from stale flags or cached identity (degraded mode). */
export const STALE_HEADER = 'x-switchboard-decision-stale';

/** Upstream headers worth passing back to the IDE. */
const PASS_BACK = ['content-type', 'x-streaming-format', 'retry-after'];

@Controller('api/v4/code_suggestions')
export class CompletionsController {
  constructor(private readonly completions: CompletionsService) {}

  @Post('completions')
  @Scopes('api', 'ai_features')
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
