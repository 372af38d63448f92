import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ApiZodBody } from '../common/http/openapi/zod-openapi';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { integer } from '../common/validation/params';
import { ZodPipe } from '../common/validation/zod.pipe';
import { presentAcceptance } from './acceptance-report';
import { AcceptanceService } from './acceptance.service';
import { trackEventSchema } from './track-event.schema';

const acceptanceQuery = z.strictObject({
  minutes: integer(1, 43_200).default(60),
  by: z.enum(['language']).optional(),
});

/** GitLab's internal-events intake, as the Language Server uses it. */
@Controller('api/v4/usage_data')
@ApiTags(TAGS.codeSuggestions)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
export class TrackEventController {
  constructor(private readonly acceptance: AcceptanceService) {}

  @Post('track_event')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Track an internal event (GitLab API): the IDE reports a code suggestion shown, accepted or rejected',
    description:
      'As GitLab: `event` is required; an event GitLab does not define for code suggestions is answered 200 and not counted. ' +
      'Counted: `code_suggestion_shown_in_ide`, `code_suggestion_accepted_in_ide`, `code_suggestion_rejected_in_ide` with ' +
      '`additional_properties.unique_tracking_id` (one suggestion, counted once). Body at most 16 KiB; per-user limit ' +
      '(default 600 a minute) 429. See docs/acceptance.md.',
  })
  @ApiZodBody(trackEventSchema)
  @ApiResponse({ status: 200, description: 'Taken (GitLab answers `200`)' })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ status: 413, description: 'Body over 16 KiB' })
  @ApiResponse({ ...ERROR_RESPONSES.rateLimited, description: 'Too many events from this user' })
  async track(
    @CurrentPrincipal() p: Principal,
    @Body() body: unknown,
    @Req() req: FastifyRequest & { bodyChars?: number },
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    await this.acceptance.track(p, body, req.bodyChars ?? 0);
    // Grape renders the value of `status :ok`, the number 200, as the JSON body.
    void reply.type('application/json');
    return '200';
  }
}

/** Suggestion acceptance per model and rollout arm (admin). */
@Controller('api/v4/code_suggestions')
@AdminOnly()
@ApiTags(TAGS.codeSuggestions)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class AcceptanceController {
  constructor(private readonly acceptance: AcceptanceService) {}

  @Get('acceptance')
  @ApiOperation({
    summary:
      'Suggestions shown, accepted and rejected per model and rollout arm, with the acceptance rate',
    description:
      'Over the last `minutes` (whole minutes: the current one included), from the fleet-wide rollup. ' +
      '`acceptance_rate` = accepted / shown; `ci95` is its Wilson score interval at 95 % (null when nothing was shown). ' +
      '`by=language` splits the arms by the language the IDE reported.',
  })
  @ApiQuery({ name: 'minutes', required: false, description: '1 to 43200 (30 days); default 60' })
  @ApiQuery({ name: 'by', required: false, description: '`language`: one row per language too' })
  @ApiResponse({
    status: 200,
    description: '`{ window_minutes, since, until, interval, models[], arms[] }`',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async acceptanceOf(@Query(new ZodPipe(acceptanceQuery)) q: z.output<typeof acceptanceQuery>) {
    const untilMs = Date.now();
    const sinceMs = untilMs - q.minutes * 60_000;
    const rows = await this.acceptance.totals({ sinceMs, byLanguage: q.by === 'language' });
    return {
      window_minutes: q.minutes,
      since: new Date(Math.floor(sinceMs / 60_000) * 60_000).toISOString(),
      until: new Date(untilMs).toISOString(),
      interval: 'wilson_95',
      ...presentAcceptance(rows),
    };
  }
}
