import { Injectable } from '@nestjs/common';
import { AuditRepository } from '../../audit/audit.repository';
import { DomainError } from '../../common/errors/domain-error';
import { Transactions } from '../../database/transactions';
import { GroupsRepository } from '../groups/groups.repository';
import { GroupsService } from '../groups/groups.service';
import { ProjectsRepository } from '../projects/projects.repository';
import { ProjectsService } from '../projects/projects.service';
import { SeatsRepository } from '../seats/seats.repository';
import { TokensService } from '../tokens/tokens.service';
import { UsersRepository } from '../users/users.repository';
import type { Actor } from '../users/users.service';
import { FlagReferences } from './flag-references';

/**
 * Deleting users, groups and projects, and everything that cannot outlive them, in one
 * transaction with one audit event that lists what went:
 * - a user: their personal access tokens (they stop working at once), group and project
 *   memberships and seat assignments. Audit events they made keep their name.
 * - a group: its subgroups and projects (GitLab deletes the whole tree), their memberships, and
 *   the add-on purchases of every group in the tree with their seat assignments (the users keep
 *   any seat another group gives them). Personal access tokens belong to users: none is touched.
 * - a project: its memberships.
 * A feature flag actor gate naming the user, a group or project of the tree makes it a 409 that
 * names them (FlagReferences), so no gate is left naming nobody.
 */
@Injectable()
export class DeletionService {
  constructor(
    private readonly users: UsersRepository,
    private readonly groups: GroupsRepository,
    private readonly groupsService: GroupsService,
    private readonly projects: ProjectsRepository,
    private readonly projectsService: ProjectsService,
    private readonly seats: SeatsRepository,
    private readonly tokens: TokensService,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly flagRefs: FlagReferences,
  ) {}

  async deleteUser(id: number, hardDelete: boolean, actor: Actor): Promise<void> {
    const user = await this.users.findById(id);
    if (!user) throw DomainError.notFound('User');
    if (actor.id === id) throw DomainError.forbidden('an administrator cannot delete themselves');
    this.flagRefs.refuseIfNamed(`User ${user.username}`, [`User:${id}`]);
    await this.transactions.run(async (tx) => {
      const f = await this.users.footprint(id, tx);
      await this.users.delete(id, tx);
      await this.audit.recordChange(tx, actor, {
        targetType: 'User',
        action: 'user_deleted',
        id,
        before: {
          username: user.username,
          admin: user.admin,
          state: user.state,
          token_ids: f.tokenIds,
          group_ids: f.groupIds,
          project_ids: f.projectIds,
          seat_add_on_purchase_ids: f.seatPurchaseIds,
        },
        after: { hard_delete: hardDelete },
      });
    });
    this.tokens.forgetUser(id);
    this.groupsService.changed();
  }

  async deleteGroup(idOrPath: string, actor: Actor): Promise<void> {
    const group = await this.groupsService.resolve(idOrPath);
    const tree = await this.groups.subtree(group);
    const treeIds = tree.map((g) => g.id);
    const projects = await this.projects.inGroups(treeIds);
    this.flagRefs.refuseIfNamed(`Group ${group.fullPath}`, [
      ...treeIds.map((g) => `Group:${g}`),
      ...projects.map((p) => `Project:${p.id}`),
    ]);
    await this.transactions.run(async (tx) => {
      const purchases = await this.seats.purchasesOfGroups(treeIds, tx);
      await this.projects.deleteMany(
        projects.map((p) => p.id),
        tx,
      );
      await this.groups.deleteGroups(tree, tx);
      await this.audit.recordChange(tx, actor, {
        targetType: 'Group',
        action: 'group_deleted',
        id: group.id,
        before: {
          full_path: group.fullPath,
          subgroups: tree.filter((g) => g.id !== group.id).map((g) => g.fullPath),
          projects: projects.map((p) => p.fullPath),
          add_on_purchases: purchases.map((p) => ({
            id: p.id,
            group_id: p.groupId,
            add_on: p.addOn,
            quantity: p.quantity,
            seat_user_ids: p.userIds,
          })),
        },
        after: undefined,
      });
    });
    this.groupsService.changed();
  }

  async deleteProject(idOrPath: string, actor: Actor): Promise<void> {
    const project = await this.projectsService.get(idOrPath);
    this.flagRefs.refuseIfNamed(`Project ${project.fullPath}`, [`Project:${project.id}`]);
    await this.transactions.run(async (tx) => {
      await this.projects.deleteMany([project.id], tx);
      await this.audit.recordChange(tx, actor, {
        targetType: 'Project',
        action: 'project_deleted',
        id: project.id,
        before: { path_with_namespace: project.fullPath },
        after: undefined,
      });
    });
    this.groupsService.changed();
  }
}
