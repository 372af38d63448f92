import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { FlagsService } from '../flags/flags.service';
import { emptyGates, type FeatureState, type FlagGates } from '../flags/gates';
import type { Actor } from '../identity/users/users.service';
import { ChangePreviewService } from './change-preview.service';
import { ConsoleRepository } from './console.repository';
import { ConsoleStatsService } from './console-stats.service';
import { presentCatalogue } from './console-summary';
import { attentionOf, byAttention } from './rollout-attention';
import {
  gateItems,
  planTransition,
  STAGES,
  stageGates,
  stageOf,
  type GateItem,
  type StageArgs,
  type StageId,
} from './rollout-stages';

/** The window the rollout health is read over (as the Rollouts page shows it). */
const HEALTH_MINUTES = 15;

export interface StageRequest {
  stage: StageId;
  value?: string;
}

/**
 * The Rollouts page's data: each rollout flag at its stage, with what needs attention first;
 * a stage's transition (what it sets, what it removes) and the transition itself, one audited
 * write of the stage's gates.
 */
@Injectable()
export class RolloutsService {
  constructor(
    private readonly flags: FlagsService,
    private readonly repo: ConsoleRepository,
    private readonly stats: ConsoleStatsService,
    private readonly preview: ChangePreviewService,
  ) {}

  async list() {
    const catalogue = this.stats.router.models;
    const [traffic, guard] = [await this.stats.fleet(HEALTH_MINUTES), this.stats.guardStatus()];
    const rollouts = presentCatalogue(catalogue).rollouts.map((r) => {
      const gates = this.gatesOf(r.flag);
      const stage = stageOf(gates);
      // A beta model: attempts of its model against the default's. The v4 switch: attempts on
      // v4 against v2 (the gateway picks the model, so there is no model of ours).
      const [list, beta, baseline] = r.model
        ? [traffic.health, r.model, r.baseline]
        : [traffic.api_attempt_health, 'v4', 'v2'];
      const rule = catalogue.completionRules.find((x) => x.kind === 'beta' && x.flag === r.flag);
      const rollback = guard.actions.filter((a) => a.flag === r.flag).at(-1);
      return {
        ...r,
        stage,
        gates,
        attention: attentionOf({
          stage,
          rollback,
          beta: list.find((h) => h.label === beta),
          baseline: list.find((h) => h.label === baseline),
          maxErrorRateDelta:
            rule?.kind === 'beta' ? rule.rolloutGuard.maxErrorRateDelta : undefined,
        }),
      };
    });
    const names = await this.names(rollouts.map((r) => r.gates));
    return {
      stages: STAGES,
      health_minutes: HEALTH_MINUTES,
      rollouts: byAttention(rollouts).map((r) => ({
        ...r,
        gates: gateItems(r.gates).map((i) => label(i, names)),
      })),
    };
  }

  /** What going to `req.stage` would set and remove (the confirmation), nothing written. */
  async plan(flag: string, req: StageRequest) {
    this.requireRollout(flag);
    const after = stageGates(req.stage, await this.args(req));
    const { effect } = await this.preview.replace(flag, after);
    return { ...(await this.present(flag, this.gatesOf(flag), after)), effect };
  }

  async apply(flag: string, req: StageRequest, actor: Actor) {
    this.requireRollout(flag);
    const after = stageGates(req.stage, await this.args(req));
    const before = this.gatesOf(flag);
    const state: FeatureState = await this.flags.replaceGates(flag, after, actor);
    return { ...(await this.present(flag, before, after)), stage: stageOf(state.gates) };
  }

  private async present(flag: string, before: FlagGates, after: FlagGates) {
    const t = planTransition(before, after);
    const names = await this.names([before, after]);
    const show = (items: GateItem[]) => items.map((i) => label(i, names));
    return {
      flag,
      from: t.from,
      to: t.to,
      set: show(t.set),
      removed: show(t.removed),
      kept: show(t.kept),
    };
  }

  /** The stage's input resolved: usernames and a project path to actors, a percentage checked. */
  private async args(req: StageRequest): Promise<StageArgs> {
    const input = STAGES.find((s) => s.id === req.stage)?.input;
    const value = req.value?.trim() ?? '';
    if (!input) {
      if (value) throw DomainError.invalid('value', `the ${req.stage} stage takes no value`);
      return {};
    }
    if (!value) throw DomainError.invalid('value', `is required: ${input.label.toLowerCase()}`);
    switch (input.field) {
      case 'users': {
        const wanted = [...new Set(value.split(',').map((x) => x.trim()))].filter(Boolean);
        if (wanted.length > 100) throw DomainError.invalid('value', 'names at most 100 users');
        const found = await this.repo.findUsersByUsername(wanted);
        const missing = wanted.find((u) => !found.some((f) => f.username === u));
        if (missing !== undefined)
          throw DomainError.invalid('value', `user '${missing}' does not exist`);
        return { actors: wanted.map((u) => `User:${found.find((f) => f.username === u)!.id}`) };
      }
      case 'project': {
        const [project] = await this.repo.findProjects([value]);
        if (!project) throw DomainError.invalid('value', `project '${value}' does not exist`);
        return { actors: [`Project:${project.id}`] };
      }
      case 'percentage': {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0 || n > 100)
          throw DomainError.invalid('value', 'must be a percentage above 0 and at most 100');
        return { percentage: n };
      }
    }
  }

  /** The gates that decide: a flag never set has its definition's default. */
  private gatesOf(flag: string): FlagGates {
    const state = this.flags.get(flag);
    if (state.persisted) return state.gates;
    return { ...emptyGates(), boolean: this.flags.definition(flag).defaultEnabled };
  }

  private requireRollout(flag: string): void {
    if (!presentCatalogue(this.stats.router.models).rollouts.some((r) => r.flag === flag))
      throw DomainError.notFound(`Rollout flag ${flag}`);
  }

  private names(all: FlagGates[]): Promise<Map<string, string>> {
    const ids = (prefix: string) =>
      all.flatMap((g) =>
        g.actors.filter((a) => a.startsWith(prefix)).map((a) => Number(a.slice(prefix.length))),
      );
    return this.repo.actorNames(ids('User:'), ids('Project:'));
  }
}

/** A gate as the confirmation reads it: `user ada`, `feature group x`, `50% of users`. */
function label(i: GateItem, names: Map<string, string>) {
  const text = (() => {
    switch (i.kind) {
      case 'boolean':
        return 'on for everyone';
      case 'actor':
        return names.get(String(i.value)) ?? String(i.value);
      case 'feature_group':
        return `feature group ${String(i.value)}`;
      case 'percentage_of_actors':
        return `${String(i.value)}% of users (sticky)`;
      case 'percentage_of_time':
        return `${String(i.value)}% of requests`;
    }
  })();
  return { ...i, text };
}
