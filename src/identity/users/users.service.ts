import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { Principal } from '../../common/auth/principal';
import { AuditRepository } from '../../audit/audit.repository';
import { Transactions } from '../../database/transactions';
import { TokensService } from '../tokens/tokens.service';
import {
  UserFilter,
  UserMembershipRecord,
  UserOrder,
  UserRecord,
  UsersRepository,
} from './users.repository';

export interface Actor {
  id: number | null;
  name: string;
}

export interface UserChanges {
  name?: string;
  username?: string;
  email?: string;
  admin?: boolean;
  state?: 'active' | 'blocked' | 'deactivated';
}

const auditedFields = (u: UserRecord) => ({
  username: u.username,
  name: u.name,
  email: u.email,
  admin: u.admin,
  state: u.state,
});

export const actorOf = (p: Principal): Actor => ({ id: p.user.id, name: p.user.username });

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokensService,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
  ) {}

  async create(
    input: { username: string; name: string; email?: string; admin?: boolean },
    actor: Actor,
  ): Promise<UserRecord> {
    if (await this.users.findByUsername(input.username)) {
      throw new DomainError('conflict', 'Username has already been taken');
    }
    if (input.email !== undefined && (await this.users.findByEmail(input.email))) {
      throw new DomainError('conflict', 'Email has already been taken');
    }
    return this.transactions.run(async (tx) => {
      const user = await this.users.create({ ...input, admin: input.admin ?? false }, tx);
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'user_created',
          targetType: 'User',
          targetId: String(user.id),
          after: { username: user.username, admin: user.admin },
        },
        tx,
      );
      return user;
    });
  }

  async get(id: number): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  async getByUsername(username: string): Promise<UserRecord> {
    const user = await this.users.findByUsername(username);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  findPage(
    filter: UserFilter,
    page: { skip: number; take: number },
    order?: UserOrder,
  ): Promise<{ items: UserRecord[]; total: number }> {
    return this.users.findPage(filter, page, order);
  }

  async memberships(
    id: number,
    type: 'Namespace' | 'Project' | undefined,
    page: { skip: number; take: number },
  ): Promise<{ items: UserMembershipRecord[]; total: number }> {
    await this.get(id);
    return this.users.memberships(id, type, page);
  }

  /** GitLab's `POST /users/:id/block|unblock`: idempotent, audited, effective at once here. */
  async setBlocked(id: number, blocked: boolean, actor: Actor): Promise<UserRecord> {
    const state = blocked ? 'blocked' : 'active';
    const user = await this.get(id);
    if (user.state === state) return user;
    return this.update(id, { state }, actor);
  }

  /**
   * GitLab's `POST /users/:id/activate|deactivate`: a deactivated user's tokens stop working
   * until an admin activates them again. A blocked user is neither (403, GitLab's words).
   */
  async setActive(id: number, active: boolean, actor: Actor): Promise<UserRecord> {
    const user = await this.get(id);
    if (user.state === 'blocked') {
      throw DomainError.forbidden(
        active
          ? 'A blocked user must be unblocked to be activated'
          : 'A blocked user cannot be deactivated by the API',
      );
    }
    const state = active ? 'active' : 'deactivated';
    return user.state === state ? user : this.update(id, { state }, actor);
  }

  async update(id: number, changes: UserChanges, actor: Actor): Promise<UserRecord> {
    const before = await this.get(id);
    await this.refuseTaken(before, changes);
    const after = await this.transactions.run(async (tx) => {
      const updated = await this.users.update(id, changes, tx);
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'user_updated',
          targetType: 'User',
          targetId: String(id),
          before: auditedFields(before),
          after: auditedFields(updated),
        },
        tx,
      );
      return updated;
    });
    // After the commit: a lookup in between would re-cache the old row.
    this.tokens.forgetUser(id);
    return after;
  }

  /** python-gitlab's `user.save()` sends username and email unchanged: only a change is checked. */
  private async refuseTaken(before: UserRecord, changes: UserChanges): Promise<void> {
    const { username, email } = changes;
    if (username !== undefined && username.toLowerCase() !== before.username.toLowerCase()) {
      const other = await this.users.findByUsername(username);
      if (other && other.id !== before.id) {
        throw new DomainError('conflict', 'Username has already been taken');
      }
    }
    if (email !== undefined && email.toLowerCase() !== (before.email ?? '').toLowerCase()) {
      const other = await this.users.findByEmail(email);
      if (other && other.id !== before.id) {
        throw new DomainError('conflict', 'Email has already been taken');
      }
    }
  }

  count(): Promise<number> {
    return this.users.count();
  }
}
