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
import { ConsoleStatsService } from './console-stats.service';
import { presentCatalogue } from './console-summary';

const trafficQuery = z.strictObject({ minutes: integer(1, 60).default(15) });
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
      'Answered code suggestions per minute by model, provider and API; health per model; breakers and the rollout guard',
  })
  @ApiQuery({
    name: 'minutes',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 60, default: 15 },
  })
  @ApiResponse({ status: 200, description: 'This instance since its start (in memory)' })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  traffic(@Query(new ZodPipe(trafficQuery)) q: z.output<typeof trafficQuery>) {
    const series = this.stats.traffic.series(q.minutes);
    return {
      window_minutes: q.minutes,
      minutes: series.minutes,
      by: series.by,
      health: this.stats.traffic.health('attempts', q.minutes),
      api_health: this.stats.traffic.health('answers', q.minutes),
      breakers: this.stats.breakerStates(),
      breaker_transitions: this.stats.recentTransitions(),
      rollout_guard: this.stats.guardStatus(),
    };
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
