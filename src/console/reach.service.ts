import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { ConsoleRepository } from './console.repository';

export const todayUtc = () => new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');

/**
 * How many users with a seat a group or project gate would reach, for the console's
 * confirmations. Groups: users whose seat comes from that group (the flag context's group actors
 * are the seat groups). Projects: an estimate, the seated members of the project or its group
 * (the gate applies to requests made in the project, whoever makes them).
 */
@Injectable()
export class ReachService {
  constructor(private readonly repo: ConsoleRepository) {}

  async seated(): Promise<{ users: number; seated: number }> {
    const [users, seated] = await Promise.all([
      this.repo.countUsers(),
      this.repo.countSeatedUsers(todayUtc()),
    ]);
    return { users, seated };
  }

  async reach(field: 'group' | 'project', paths: string[]): Promise<number> {
    if (field === 'group') {
      const groups = await this.repo.findGroups(paths);
      missing(field, paths, groups);
      return this.repo.countSeatedThrough(
        groups.map((g) => g.id),
        todayUtc(),
      );
    }
    const projects = await this.repo.findProjects(paths);
    missing(field, paths, projects);
    return this.repo.countSeatedMembers(
      projects.map((p) => p.id),
      projects.map((p) => p.groupId),
      todayUtc(),
    );
  }
}

function missing(field: string, paths: string[], found: { fullPath: string }[]): void {
  const known = new Set(found.map((f) => f.fullPath));
  const absent = paths.find((p) => !known.has(p));
  if (absent !== undefined) throw DomainError.invalid(field, `'${absent}' does not exist`);
}
