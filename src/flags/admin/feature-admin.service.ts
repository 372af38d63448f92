import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { GroupsRepository } from '../../identity/groups/groups.repository';
import { ProjectsService } from '../../identity/projects/projects.service';
import { UsersService, type Actor } from '../../identity/users/users.service';
import { FlagSubjectsService, FEATURE_GROUPS } from '../flag-subjects.service';
import { FlagsService } from '../flags.service';
import type { GateChange } from '../gate-changes';
import type { FeatureState } from '../gates';
import { parseValue, type ParsedValue, SetFeatureParams, splitList } from './feature-params';

/** Turns Features API parameters into gate changes (actors resolved, conflicts refused). */
@Injectable()
export class FeatureAdminService {
  constructor(
    private readonly flags: FlagsService,
    private readonly subjects: FlagSubjectsService,
    private readonly users: UsersService,
    private readonly groups: GroupsRepository,
    private readonly projects: ProjectsService,
  ) {}

  async set(name: string, p: SetFeatureParams, actor: Actor): Promise<FeatureState> {
    const { change, options } = await this.plan(name, p);
    return this.flags.change(name, change, actor, options);
  }

  /**
   * Everything `set` checks and resolves, without writing: the gate change it would make (the
   * console's preview asks this, so a preview refuses exactly what the change would refuse).
   */
  async plan(name: string, p: SetFeatureParams): Promise<PlannedChange> {
    const options = {
      force: p.force === true,
      discardUnleashStrategies: p.discard_unleash_strategies === true,
    };
    if (!options.force) this.flags.get(name); // 404 for an undefined flag before anything else
    const value = parseValue(p.value);
    const actors = await this.resolveActors(p);
    const featureGroups = splitList(p.feature_group);
    for (const fg of featureGroups) {
      if (!(FEATURE_GROUPS as readonly string[]).includes(fg)) {
        throw DomainError.invalid(
          'feature_group',
          `'${fg}' is not a known feature group (${FEATURE_GROUPS.join(', ')})`,
        );
      }
    }
    const change = this.gateChange(name, p, value, actors, featureGroups);
    this.flags.checkChange(name, options);
    return { change, options };
  }

  private gateChange(
    name: string,
    p: SetFeatureParams,
    value: ParsedValue,
    actors: string[],
    featureGroups: string[],
  ): GateChange {
    const targeted = actors.length > 0 || featureGroups.length > 0;
    if (value.type === 'percentage') {
      if (targeted) {
        throw DomainError.invalid(
          'value',
          'must be true or false when user, group, namespace, project or feature_group is given',
        );
      }
      this.refusePercentageWhenFullyOn(name, p.key);
      return p.key === 'percentage_of_actors'
        ? { kind: 'percentage_of_actors', value: value.value }
        : { kind: 'percentage_of_time', value: value.value };
    }
    if (p.key !== undefined)
      throw DomainError.invalid('key', 'is only valid with a percentage value');
    if (actors.length > 0 && featureGroups.length > 0) {
      throw DomainError.invalid(
        'feature_group',
        'cannot be combined with user, group, namespace or project',
      );
    }
    if (actors.length > 0) return { kind: 'actors', enabled: value.enabled, actors };
    if (featureGroups.length > 0)
      return { kind: 'feature_groups', enabled: value.enabled, groups: featureGroups };
    return { kind: 'boolean', enabled: value.enabled };
  }

  /**
   * GitLab (lib/feature.rb) refuses a percentage gate on a flag whose boolean gate is on: the
   * percentage would have no effect and hide that the flag is on for everyone.
   */
  private refusePercentageWhenFullyOn(name: string, key: SetFeatureParams['key']): void {
    const state = this.flags.peek(name);
    if (!state.persisted || !state.gates.boolean) return;
    const of = key === 'percentage_of_actors' ? 'actors' : 'time';
    throw new DomainError(
      'validation',
      `Cannot enable percentage of ${of} for a fully-enabled flag`,
    );
  }

  async evaluate(name: string, username: string, projectPath?: string) {
    this.flags.get(name);
    const user = await this.users.getByUsername(username).catch(() => {
      throw DomainError.invalid('user', `'${username}' does not exist`);
    });
    let projectId: number | undefined;
    if (projectPath) {
      const project = await this.projects.findByFullPath(projectPath);
      if (!project) throw DomainError.invalid('project', `'${projectPath}' does not exist`);
      projectId = project.id;
    }
    const subject = await this.subjects.forUser(user.id, projectId);
    const answer = this.flags.explain(name, subject);
    return {
      name,
      enabled: answer.enabled,
      gate: answer.gate,
      ...(answer.strategy ? { strategy: answer.strategy } : {}),
      context: {
        primary_actor: subject.primary,
        actors: subject.actors,
        feature_groups: subject.featureGroups,
      },
      source: this.flags.sourceKind,
      stale: this.flags.isStale(),
    };
  }

  /**
   * Actor strings for the named users, groups and projects. Every name that does not exist is
   * named in one 400 (not only the first), so a typo in a list of ten is found in one go.
   */
  private async resolveActors(p: SetFeatureParams): Promise<string[]> {
    const out: string[] = [];
    const unknown: Array<[string, string]> = [];
    for (const username of splitList(p.user)) {
      // Only "no such user" is the client's mistake; a database that cannot answer is a 503.
      const u = await this.users.getByUsername(username).catch((err: unknown) => {
        if (err instanceof DomainError && err.code === 'not_found') return undefined;
        throw err;
      });
      if (u) out.push(`User:${u.id}`);
      else unknown.push(['user', username]);
    }
    for (const field of ['group', 'namespace'] as const) {
      for (const path of splitList(p[field])) {
        const g = /^\d+$/.test(path)
          ? await this.groups.findById(Number(path))
          : await this.groups.findByFullPath(path);
        if (g) out.push(`Group:${g.id}`);
        else unknown.push([field, path]);
      }
    }
    for (const path of splitList(p.project)) {
      const pr = await this.projects.findByFullPath(path);
      if (pr) out.push(`Project:${pr.id}`);
      else unknown.push(['project', path]);
    }
    if (unknown.length > 0) throw unknownActors(unknown);
    if (p.instance === true) out.push('Instance');
    if (p.repository !== undefined)
      throw DomainError.invalid('repository', 'is not supported by Switchboard');
    return [...new Set(out)];
  }
}

export interface PlannedChange {
  change: GateChange;
  options: { force: boolean; discardUnleashStrategies: boolean };
}

/** `user 'a', 'b' do not exist; project 'x' does not exist` (one message, each field once). */
function unknownActors(unknown: Array<[string, string]>): DomainError {
  const byField = new Map<string, string[]>();
  for (const [field, name] of unknown) byField.set(field, [...(byField.get(field) ?? []), name]);
  const parts = [...byField].map(
    ([field, names]) =>
      `${field} ${names.map((n) => `'${n}'`).join(', ')} ${names.length === 1 ? 'does' : 'do'} not exist`,
  );
  return new DomainError('validation', parts.join('; '));
}
