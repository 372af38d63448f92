import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { Principal } from '../../common/auth/principal';
import { AuditRepository } from '../../audit/audit.repository';
import { Transactions } from '../../database/transactions';
import { TokensService } from '../tokens/tokens.service';
import { UserFilter, UserRecord, UsersRepository } from './users.repository';

export interface Actor {
  id: number | null;
  name: string;
}

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
  ): Promise<{ items: UserRecord[]; total: number }> {
    return this.users.findPage(filter, page);
  }

  /** GitLab's `POST /users/:id/block|unblock`: idempotent, audited, effective at once here. */
  async setBlocked(id: number, blocked: boolean, actor: Actor): Promise<UserRecord> {
    const state = blocked ? 'blocked' : 'active';
    const user = await this.get(id);
    if (user.state === state) return user;
    return this.update(id, { state }, actor);
  }

  async update(
    id: number,
    changes: { name?: string; admin?: boolean; state?: 'active' | 'blocked' },
    actor: Actor,
  ): Promise<UserRecord> {
    const before = await this.get(id);
    const after = await this.transactions.run(async (tx) => {
      const updated = await this.users.update(id, changes, tx);
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'user_updated',
          targetType: 'User',
          targetId: String(id),
          before: { name: before.name, admin: before.admin, state: before.state },
          after: { name: updated.name, admin: updated.admin, state: updated.state },
        },
        tx,
      );
      return updated;
    });
    // After the commit: a lookup in between would re-cache the old row.
    this.tokens.forgetUser(id);
    return after;
  }

  count(): Promise<number> {
    return this.users.count();
  }
}
