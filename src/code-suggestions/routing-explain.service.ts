import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { FlagsService } from '../flags/flags.service';
import { FlagSubjectsService } from '../flags/flag-subjects.service';
import { ProjectsService } from '../identity/projects/projects.service';
import { SeatsService, type SeatContext } from '../identity/seats/seats.service';
import { realmOf } from '../identity/settings/realm';
import { SettingsService } from '../identity/settings/settings.service';
import { UsersService } from '../identity/users/users.service';
import { BreakersService } from '../resilience/breakers.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import type { RoutingDecision } from '../routing/routing.types';
import { SelectionResolverService } from '../model-selection/selection-resolver';
import type { ModelSelectionInput } from '../routing/routing.types';
import { GatewayModelsService } from './gateway-models.service';
import { RouteDeciderService } from './route-decider.service';

const presentDecision = (d: RoutingDecision) => ({
  task: d.task,
  generation_type: d.generationType ?? null,
  api: d.api,
  endpoint: d.endpointPath,
  model: d.model
    ? {
        provider: d.model.provider,
        name: d.model.name,
        prompt_version: d.model.promptVersion,
        gitlab_identifier: d.model.gitlabIdentifier ?? null,
      }
    : null,
  model_metadata: d.modelMetadata ?? null,
  generation_prompt: d.generationPrompt ?? null,
  model_source: d.modelSource,
  direct_access: d.directAccess,
  deciding_flags: d.decidingFlags,
  trace: d.trace,
});

const presentSelection = (s: ModelSelectionInput | undefined) =>
  s
    ? {
        identifier: s.identifier,
        selected_by: s.by,
        stale: s.stale ?? false,
        summary: s.stale
          ? `${s.identifier} selected by ${s.by} is no longer offered by the AI gateway: the default is used`
          : `selected by ${s.by}: ${s.identifier}`,
      }
    : { summary: 'GitLab default (no model selected)' };

const presentSeat = (seat: SeatContext) => ({
  has_seat: seat.hasSeat,
  groups: seat.groups.map((g) => ({
    id: g.id,
    full_path: g.fullPath,
    add_on: g.addOn,
    direct_code_suggestions_enabled: g.directCodeSuggestionsEnabled,
  })),
});

/** Why a user gets the model and endpoint they get: every decision with its rules and flags. */
@Injectable()
export class RoutingExplainService {
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
    private readonly gatewayModels: GatewayModelsService,
    private readonly selections: SelectionResolverService,
  ) {}

  async explain(username: string, projectPath?: string) {
    const user = await this.userNamed(username);
    const project = projectPath ? await this.projectAt(projectPath) : undefined;
    const seat = await this.seats.seatContext(user.id);
    const subject = await this.subjects.forUser(user.id, project?.id, seat);
    const settings = this.settings.current();
    const base = { contentAboveCursor: '', fileName: '', supportsSseStreaming: false };
    const { selection, refusal } = await this.selectionOf(user.id, seat, settings);
    const decide = (over: Partial<typeof base> & { intent?: 'completion' | 'generation' }) => {
      try {
        return presentDecision(
          this.router.decide({ ...base, ...over }, subject, seat, settings, selection),
        );
      } catch (err) {
        if (err instanceof DomainError) return { refused: { status: 422, message: err.message } };
        throw err;
      }
    };
    return {
      user: { id: user.id, username: user.username },
      project: project ? { id: project.id, path_with_namespace: project.fullPath } : null,
      seat: presentSeat(seat),
      model_selection: refusal ?? presentSelection(selection),
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
      gateway_models: this.gatewayModels.view(),
      flag_source: { kind: this.flags.sourceKind, stale: this.flags.isStale() },
    };
  }

  /** The user's model selection, or the 422 a completion would get (shown, not thrown). */
  private async selectionOf(
    userId: number,
    seat: SeatContext,
    settings: ReturnType<SettingsService['current']>,
  ): Promise<{ selection?: ModelSelectionInput; refusal?: { error: string; message: string } }> {
    try {
      return { selection: await this.selections.forUser(userId, seat.groups, realmOf(settings)) };
    } catch (err) {
      if (err instanceof DomainError && err.code === 'missing_default_duo_group')
        return { refusal: { error: err.code, message: err.message } };
      throw err;
    }
  }

  /** An unknown user is the caller's mistake (400 naming the field); anything else propagates. */
  private async userNamed(username: string) {
    try {
      return await this.users.getByUsername(username);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found')
        throw DomainError.invalid('user', `'${username}' does not exist`);
      throw err;
    }
  }

  private async projectAt(fullPath: string) {
    const project = await this.projects.findByFullPath(fullPath);
    if (!project) throw DomainError.invalid('project_path', `'${fullPath}' does not exist`);
    return project;
  }
}
