import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { isId } from '../../common/validation/params';
import { AuditRepository } from '../../audit/audit.repository';
import { Transactions, Tx } from '../../database/transactions';
import type { AuthenticatedUser } from '../../common/auth/principal';
import { GroupsRepository } from '../groups/groups.repository';
import { UsersRepository } from '../users/users.repository';
import type { Actor } from '../users/users.service';
import { GroupsService } from '../groups/groups.service';
import { ProjectMemberRecord, ProjectRecord, ProjectsRepository } from './projects.repository';

export const slugify = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 255) || 'project';

@Injectable()
export class ProjectsService {
  constructor(
    private readonly projects: ProjectsRepository,
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly groupsService: GroupsService,
  ) {}

  async create(
    input: { name: string; path?: string; namespaceId: number },
    actor: Actor,
  ): Promise<ProjectRecord> {
    const group = await this.groups.findById(input.namespaceId);
    if (!group) throw DomainError.invalid('namespace_id', 'does not exist');
    const path = input.path ?? slugify(input.name);
    const fullPath = `${group.fullPath}/${path}`;
    if (
      (await this.projects.findByFullPath(fullPath)) ||
      (await this.groups.findByFullPath(fullPath))
    ) {
      throw DomainError.invalid('path', 'has already been taken');
    }
    return this.transactions.run(async (tx) => {
      const project = await this.projects.create(
        { name: input.name, path, fullPath, groupId: group.id },
        tx,
      );
      await this.record(tx, actor, 'project_created', project.id, undefined, {
        full_path: fullPath,
      });
      return project;
    });
  }

  /** By numeric id or by full path (`group/sub/project`, URL-decoded). */
  async get(idOrPath: string): Promise<ProjectRecord> {
    // Digits only: an id (full paths always hold a slash), which must fit an int4.
    if (/^\d+$/.test(idOrPath) && !isId(idOrPath)) throw DomainError.invalid('id', 'is invalid');
    const project = /^\d+$/.test(idOrPath)
      ? await this.projects.findById(Number(idOrPath))
      : await this.projects.findByFullPath(idOrPath);
    if (!project) throw DomainError.notFound('Project');
    return project;
  }

  /** `groupIds`: only the projects directly in these groups (a group's projects list). */
  findPage(
    search: string | undefined,
    page: { skip: number; take: number },
    groupIds?: number[],
  ): Promise<{ items: ProjectRecord[]; total: number }> {
    return this.projects.findPage(search, page, groupIds);
  }

  async members(
    idOrPath: string,
    search: string | undefined,
    page: { skip: number; take: number },
  ): Promise<{ items: ProjectMemberRecord[]; total: number }> {
    const project = await this.get(idOrPath);
    return this.projects.findMembersPage(project.id, search, page);
  }

  async member(idOrPath: string, userId: number): Promise<ProjectMemberRecord> {
    const project = await this.get(idOrPath);
    const member = await this.projects.findMember(project.id, userId);
    if (!member) throw DomainError.notFound('Member');
    return member;
  }

  async removeMember(idOrPath: string, userId: number, actor: Actor): Promise<void> {
    const project = await this.get(idOrPath);
    const member = await this.member(idOrPath, userId);
    await this.transactions.run(async (tx) => {
      await this.projects.removeMember(project.id, userId, tx);
      await this.record(
        tx,
        actor,
        'project_member_removed',
        project.id,
        { user_id: userId, access_level: member.accessLevel },
        undefined,
      );
    });
    const group = await this.groups.findById(project.groupId);
    if (group) await this.groupsService.endSeatsWithoutMembership(group, userId, actor);
    this.groupsService.changed();
  }

  findByFullPath(fullPath: string): Promise<ProjectRecord | null> {
    return this.projects.findByFullPath(fullPath);
  }

  /** A project the user may see: admin, project member, or member of an ancestor group. */
  async findVisible(fullPath: string, user: AuthenticatedUser): Promise<ProjectRecord | undefined> {
    const project = await this.projects.findByFullPath(fullPath);
    if (!project) return undefined;
    if (user.admin || (await this.projects.isMember(project.id, user.id))) return project;
    const group = await this.groups.findById(project.groupId);
    const root = group?.fullPath.split('/')[0];
    const rootGroup = root ? await this.groups.findByFullPath(root) : null;
    if (group && rootGroup && (await this.groups.isMemberOfHierarchy(rootGroup, user.id))) {
      const memberIds = new Set(await this.groups.memberGroupIds(user.id));
      for (
        let g: typeof group | null = group;
        g;
        g = g.parentId ? await this.groups.findById(g.parentId) : null
      ) {
        if (memberIds.has(g.id)) return project;
      }
    }
    return undefined;
  }

  async update(
    id: number,
    changes: { duoFeaturesEnabled?: boolean; name?: string },
    actor: Actor,
  ): Promise<ProjectRecord> {
    const before = await this.get(String(id));
    return this.transactions.run(async (tx) => {
      const after = await this.projects.update(id, changes, tx);
      await this.record(
        tx,
        actor,
        'project_updated',
        id,
        { name: before.name, duo_features_enabled: before.duoFeaturesEnabled },
        { name: after.name, duo_features_enabled: after.duoFeaturesEnabled },
      );
      return after;
    });
  }

  async addMember(
    projectId: number,
    userId: number,
    accessLevel: number,
    actor: Actor,
  ): Promise<ProjectMemberRecord> {
    await this.get(String(projectId));
    if (!(await this.users.findById(userId)))
      throw DomainError.invalid('user_id', 'does not exist');
    await this.transactions.run(async (tx) => {
      await this.projects.addMember(projectId, userId, accessLevel, tx);
      await this.record(tx, actor, 'project_member_added', projectId, undefined, {
        user_id: userId,
      });
    });
    const member = await this.projects.findMember(projectId, userId);
    if (!member) throw DomainError.notFound('Member');
    return member;
  }

  private record(
    tx: Tx,
    actor: Actor,
    action: string,
    id: number,
    before: unknown,
    after: unknown,
  ) {
    return this.audit.recordChange(tx, actor, { targetType: 'Project', action, id, before, after });
  }
}
