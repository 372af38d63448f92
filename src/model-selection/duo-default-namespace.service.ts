import { Inject, Injectable } from '@nestjs/common';
import { AuditRepository } from '../audit/audit.repository';
import { TtlCache } from '../common/cache/ttl-cache';
import { DomainError } from '../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseGuard } from '../database/database-guard';
import { Transactions } from '../database/transactions';
import { SeatsService } from '../identity/seats/seats.service';
import type { Actor } from '../identity/users/users.service';
import { ModelSelectionRepository } from './model-selection.repository';

/**
 * The user's default GitLab Duo namespace (GitLab's `user_preference.duo_default_namespace_id`):
 * the top-level group whose model selection applies when the user holds seats in several. Only a
 * group where the user holds a seat may be chosen; null clears it.
 */
@Injectable()
export class DuoDefaultNamespaceService {
  private readonly cache: TtlCache<number, number | null>;

  constructor(
    private readonly repo: ModelSelectionRepository,
    private readonly seats: SeatsService,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly database: DatabaseGuard,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
  ) {
    this.cache = new TtlCache(config.cache.seatTtlMs, 100_000);
    bus.subscribe('user_preferences.changed', (d) =>
      d ? this.cache.delete(d.userId) : this.cache.clear(),
    );
  }

  async get(userId: number): Promise<number | null> {
    const cached = this.cache.get(userId);
    if (cached !== undefined) return cached;
    const id = await this.database.run(() => this.repo.defaultNamespaceId(userId), false);
    this.cache.set(userId, id);
    return id;
  }

  async set(userId: number, groupId: number | null, actor: Actor): Promise<number | null> {
    if (groupId !== null) {
      const { groups } = await this.seats.seatContext(userId);
      if (!groups.some((g) => g.id === groupId))
        throw DomainError.invalid(
          'duo_default_namespace_id',
          'must be a top-level group where the user has a GitLab Duo seat',
        );
    }
    const before = await this.get(userId);
    if (before === groupId) return groupId;
    await this.transactions.run(async (tx) => {
      await this.repo.saveDefaultNamespace(userId, groupId, tx);
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'duo_default_namespace_updated',
          targetType: 'User',
          targetId: String(userId),
          before: { duo_default_namespace_id: before },
          after: { duo_default_namespace_id: groupId },
        },
        tx,
      );
    });
    this.cache.delete(userId);
    this.bus.publish('user_preferences.changed', { userId });
    return groupId;
  }
}
