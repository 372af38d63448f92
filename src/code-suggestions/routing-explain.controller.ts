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
import { DomainError } from '../common/errors/domain-error';
import { ZodPipe } from '../common/validation/zod.pipe';
import { FlagsService } from '../flags/flags.service';
import { FlagSubjectsService } from '../flags/flag-subjects.service';
import { ProjectsService } from '../identity/projects/projects.service';
import { SeatsService } from '../identity/seats/seats.service';
import { realmOf } from '../identity/settings/realm';
import { SettingsService } from '../identity/settings/settings.service';
import { UsersService } from '../identity/users/users.service';
import { BreakersService } from '../resilience/breakers.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import type { RoutingDecision } from '../routing/routing.types';
import { RouteDeciderService } from './route-decider.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { routingExplanationSchema } from './code-suggestions.openapi';

const query = z.strictObject({
  user: z.string().min(1).max(255),
  project_path: z.string().min(1).max(1000).optional(),
});

const present = (d: RoutingDecision) => ({
  task: d.task,
  generation_type: d.generationType ?? null,
  api: d.api,
  endpoint: d.endpointPath,
  model: d.model
    ? { provider: d.model.provider, name: d.model.name, prompt_version: d.model.promptVersion }
    : null,
  generation_prompt: d.generationPrompt ?? null,
  model_source: d.modelSource,
  direct_access: d.directAccess,
  deciding_flags: d.decidingFlags,
  trace: d.trace,
});

/** The full routing decision for a user now, with every rule and flag consulted (admin). */
@Controller('api/v4/code_suggestions')
@AdminOnly()
@ApiTags(TAGS.routing)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class RoutingExplainController {
  constructor(
    private readonly users: UsersService,
    private readonly projects: ProjectsService,
    private readonly seats: SeatsService,
    private readonly subjects: FlagSubjectsService,
    private readonly settings: SettingsService,
    private readonly router: RouteDeciderService,
    private readonly breakers: BreakersService,
    private readonly guard: RolloutGuardService,
    private readonly flags: FlagsService,
  ) {}

  @Get('routing')
  @ApiOperation({
    summary:
      'Explain the routing decision for a user now: completion, generation, direct access (admin)',
  })
  @ApiQuery({
    name: 'user',
    required: true,
    description: 'Username',
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  })
  @ApiQuery({
    name: 'project_path',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 1000 },
  })
  @ApiResponse({
    status: 200,
    description: 'The decisions, with the rules and flags consulted',
    schema: routingExplanationSchema,
  })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: "Validation failed, e.g. `user 'ada' does not exist`",
  })
  async explain(@Query(new ZodPipe(query)) q: z.output<typeof query>) {
    const user = await this.users.getByUsername(q.user).catch(() => {
      throw DomainError.invalid('user', `'${q.user}' does not exist`);
    });
    let project: { id: number; fullPath: string } | undefined;
    if (q.project_path) {
      project = (await this.projects.findByFullPath(q.project_path)) ?? undefined;
      if (!project) throw DomainError.invalid('project_path', `'${q.project_path}' does not exist`);
    }
    const seat = await this.seats.seatContext(user.id);
    const subject = await this.subjects.forUser(user.id, project?.id, seat);
    const settings = this.settings.current();
    const base = { contentAboveCursor: '', fileName: '', supportsSseStreaming: false };
    const decide = (over: Partial<typeof base> & { intent?: 'completion' | 'generation' }) =>
      present(this.router.decide({ ...base, ...over }, subject, seat, settings));
    return {
      user: { id: user.id, username: user.username },
      project: project ? { id: project.id, path_with_namespace: project.fullPath } : null,
      seat: {
        has_seat: seat.hasSeat,
        groups: seat.groups.map((g) => ({
          id: g.id,
          full_path: g.fullPath,
          add_on: g.addOn,
          direct_code_suggestions_enabled: g.directCodeSuggestionsEnabled,
        })),
      },
      flag_context: {
        primary_actor: subject.primary,
        actors: subject.actors,
        feature_groups: subject.featureGroups,
      },
      kill_switch: this.flags.explain('ai_duo_code_suggestions_switch', subject),
      completion: decide({ intent: 'completion' }),
      generation: decide({ intent: 'generation' }),
      generation_with_sse: decide({ intent: 'generation', supportsSseStreaming: true }),
      instance: {
        realm: realmOf(settings),
        disabled_direct_code_suggestions: settings.disabledDirectCodeSuggestions,
      },
      breakers: this.breakers.states(this.router.models.models.values()),
      rollout_guard: this.guard.status(),
      flag_source: { kind: this.flags.sourceKind, stale: this.flags.isStale() },
    };
  }
}
