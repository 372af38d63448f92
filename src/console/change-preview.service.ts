import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FeatureAdminService } from '../flags/admin/feature-admin.service';
import type { SetFeatureParams } from '../flags/admin/feature-params';
import { FlagsService } from '../flags/flags.service';
import { applyGateChange, type GateChange } from '../flags/gate-changes';
import { emptyGates, type FeatureState, type FlagGates, presentGates } from '../flags/gates';
import { featureStateName } from '../flags/unleash-native';
import { countOn, effectSentence, type EffectFacts, type PreviewSubject } from './change-effect';
import { ChangePreviewRepository } from './change-preview.repository';
import { ConsoleRepository } from './console.repository';
import { todayUtc } from './reach.service';

/** What a Features API write would do, computed without making it. */
export interface ChangePreview {
  flag: string;
  state_before: string;
  state_after: string;
  gates_after: Array<{ key: string; value: unknown }>;
  seated_users: number;
  /** Seated users the flag is on for on every request, before and after the change. */
  on_before: number;
  on_after: number;
  unseated_users: string[];
  effect: string;
}

/**
 * The console's dry run of a flag change. `set` goes through the Features API's own planning
 * (FeatureAdminService.plan): the same validation and actor resolution as the write, so what
 * the preview refuses the write refuses, with the same 400, and nothing is written. The effect is
 * the flag evaluated for every user with a seat before and after the change.
 */
@Injectable()
export class ChangePreviewService {
  constructor(
    private readonly admin: FeatureAdminService,
    private readonly flags: FlagsService,
    private readonly repo: ChangePreviewRepository,
    private readonly counts: ConsoleRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async set(name: string, params: SetFeatureParams): Promise<ChangePreview> {
    const { change } = await this.admin.plan(name, params);
    const before = this.flags.peek(name);
    const after: FeatureState = {
      ...before,
      persisted: true,
      gates: applyGateChange(before.gates, change),
    };
    return this.preview(before, after, change);
  }

  /** A whole new set of gates (a rollout stage), previewed as a Features API write is. */
  async replace(name: string, gates: FlagGates): Promise<ChangePreview> {
    const before = this.flags.peek(name);
    return this.preview(before, { ...before, persisted: true, gates }, stageChange(gates), false);
  }

  async remove(name: string): Promise<ChangePreview> {
    const before = this.flags.get(name);
    return this.preview(before, { name, persisted: false, gates: emptyGates() }, undefined);
  }

  private async preview(
    before: FeatureState,
    after: FeatureState,
    change: GateChange | undefined,
    toDefault = change === undefined,
  ): Promise<ChangePreview> {
    const defaultEnabled = this.flags.definitions.get(before.name)?.defaultEnabled ?? false;
    const subjects = await this.subjects(before, after);
    const named = actorIds(change);
    const seatedIds = new Set(subjects.map((s) => s.userId));
    const unseatedIds = named.users.filter((id) => !seatedIds.has(id));
    const names = await this.repo.usernames(unseatedIds);
    const facts: EffectFacts = {
      seated: subjects.length,
      onBefore: countOn(before, subjects, defaultEnabled),
      onAfter: countOn(after, subjects, defaultEnabled),
      percentageOfTime: after.persisted ? after.gates.percentageOfTime : 0,
      percentageOfActors: change?.kind === 'percentage_of_actors' ? change.value : undefined,
      projects: await this.projects(named.projects, change),
      unseated: unseatedIds.map((id) => names.get(id) ?? `User:${id}`),
      instance: named.instance,
      toDefault,
      defaultEnabled,
    };
    const stateOf = (s: FeatureState) =>
      s.persisted ? featureStateName(s) : defaultEnabled ? 'on' : 'off';
    return {
      flag: before.name,
      state_before: stateOf(before),
      state_after: stateOf(after),
      gates_after: after.persisted
        ? presentGates(after.gates)
        : [{ key: 'boolean', value: defaultEnabled }],
      seated_users: facts.seated,
      on_before: facts.onBefore,
      on_after: facts.onAfter,
      unseated_users: facts.unseated,
      effect: effectSentence(facts),
    };
  }

  /** Every seated user; team membership is read only when a feature-group gate is involved. */
  private async subjects(before: FeatureState, after: FeatureState): Promise<PreviewSubject[]> {
    const today = todayUtc();
    const seated = await this.repo.seatedUsers(today);
    const needsTeam = before.gates.featureGroups.length + after.gates.featureGroups.length > 0;
    const team = needsTeam
      ? await this.repo.membersOfHierarchy(this.config.flags.teamMembersGroup)
      : new Set<number>();
    return seated.map((s) => ({ ...s, teamMember: team.has(s.userId) }));
  }

  private async projects(ids: number[], change: GateChange | undefined) {
    if (ids.length === 0 || change?.kind !== 'actors') return undefined;
    const projects = await this.repo.projectPaths(ids);
    const seatedMembers = await this.counts.countSeatedMembers(
      projects.map((p) => p.id),
      projects.map((p) => p.groupId),
      todayUtc(),
    );
    return { paths: projects.map((p) => p.fullPath), seatedMembers, enabled: change.enabled };
  }
}

/** The user and project ids an actor change names, and whether it names the instance. */
/**
 * The one gate a rollout stage sets, as a change, so the effect names what only a change can
 * say (the members of a project, a sticky percentage); the counts come from the whole gate set.
 */
function stageChange(g: FlagGates): GateChange | undefined {
  if (g.actors.length > 0) return { kind: 'actors', enabled: true, actors: g.actors };
  if (g.percentageOfActors > 0)
    return { kind: 'percentage_of_actors', value: g.percentageOfActors };
  return undefined;
}

function actorIds(change: GateChange | undefined) {
  const actors = change?.kind === 'actors' ? change.actors : [];
  const ids = (prefix: string) =>
    actors.filter((a) => a.startsWith(prefix)).map((a) => Number(a.slice(prefix.length)));
  return { users: ids('User:'), projects: ids('Project:'), instance: actors.includes('Instance') };
}
