import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { integer } from '../common/validation/params';
import { ZodPipe } from '../common/validation/zod.pipe';
import { FEATURE_GROUPS } from '../flags/flag-subjects.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { ReachService } from './reach.service';
import { ConsoleAcceptanceService } from './console-acceptance.service';
import { ConsoleStatsService } from './console-stats.service';
import { presentCatalogue } from './console-summary';

const trafficQuery = z.strictObject({ minutes: integer(1, 60).default(15) });
const acceptanceQuery = z.strictObject({ minutes: integer(1, 1440).default(60) });
const pathList = z
  .string()
  .max(5000)
  .transform((s) => [...new Set(s.split(',').map((x) => x.trim()))].filter(Boolean))
  .refine((l) => l.length > 0 && l.length <= 100, 'must name 1 to 100 paths');
const reachQuery = z
  .strictObject({ group: pathList.optional(), project: pathList.optional() })
  .refine((q) => (q.group === undefined) !== (q.project === undefined), {
    path: ['group'],
    message: 'or project: give exactly one of them',
  });

/** The few things the admin console needs that the GitLab-shaped APIs do not answer (admin). */
@Controller('api/v4/admin/console')
@AdminOnly()
@ApiTags(TAGS.console)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class ConsoleController {
  constructor(
    private readonly stats: ConsoleStatsService,
    private readonly reach: ReachService,
    private readonly acceptance: ConsoleAcceptanceService,
  ) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Model catalogue, rule order, rollout and failover flags, user and seat counts',
  })
  @ApiResponse({ status: 200, description: 'The summary' })
  async summary() {
    const { users, seated } = await this.reach.seated();
    return {
      users,
      seated_users: seated,
      feature_groups: FEATURE_GROUPS,
      ...presentCatalogue(this.stats.router.models, this.stats.gatewayModels.view()),
    };
  }

  @Get('traffic')
  @ApiOperation({
    summary:
      'Answered code suggestions per minute by model, provider and API; health per model; breakers, automatic failover activity and the rollout guard',
  })
  @ApiQuery({
    name: 'minutes',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 60, default: 15 },
  })
  @ApiResponse({
    status: 200,
    description:
      'Every process that reported in the last 10 s (`reporting`: processes and instances), added up; the rollout guard of the process that answered',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async traffic(@Query(new ZodPipe(trafficQuery)) q: z.output<typeof trafficQuery>) {
    const fleet = await this.stats.fleet(q.minutes);
    return { window_minutes: q.minutes, ...fleet, rollout_guard: this.stats.guardStatus() };
  }

  @Get('acceptance')
  @ApiOperation({
    summary:
      "Suggestions shown and accepted: each guarded beta rollout's arms with the rollout guard's verdict, and per model over a window",
  })
  @ApiQuery({
    name: 'minutes',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 1440, default: 60 },
  })
  @ApiResponse({
    status: 200,
    description:
      '`rollouts`: per beta rule with `rollout_guard.acceptance`, the current stage (since the flag last changed) and the last rollback; `models`: the window',
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  acceptanceReport(@Query(new ZodPipe(acceptanceQuery)) q: z.output<typeof acceptanceQuery>) {
    return this.acceptance.report(q.minutes);
  }

  @Get('reach')
  @ApiOperation({
    summary: 'How many users with a seat a group or project gate would reach (for confirmations)',
  })
  @ApiQuery({ name: 'group', required: false, description: 'Group full paths, comma-separated' })
  @ApiQuery({
    name: 'project',
    required: false,
    description: 'Project full paths, comma-separated',
  })
  @ApiResponse({ status: 200, description: '`{ reached, seated_users }`' })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async reachOf(@Query(new ZodPipe(reachQuery)) q: z.output<typeof reachQuery>) {
    const [reached, { seated }] = await Promise.all([
      q.group ? this.reach.reach('group', q.group) : this.reach.reach('project', q.project ?? []),
      this.reach.seated(),
    ]);
    return { reached, seated_users: seated };
  }
}
