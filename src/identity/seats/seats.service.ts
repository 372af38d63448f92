import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../../common/fleet/change-bus';
import { IDENTITY_SNAPSHOTS, type IdentitySnapshots } from '../../common/fleet/identity-snapshots';
import { AuditRepository } from '../../audit/audit.repository';
import { DatabaseGuard } from '../../database/database-guard';
import { Transactions, Tx } from '../../database/transactions';
import { AddOn } from '../../generated/prisma/client';
import { GroupsRepository } from '../groups/groups.repository';
import { GroupsService } from '../groups/groups.service';
import { IdentityReadThrough } from '../identity-read-through';
import { UsersRepository } from '../users/users.repository';
import type { Actor } from '../users/users.service';
import { PurchaseRecord, SeatsRepository } from './seats.repository';

export interface SeatGroup {
  id: number;
  fullPath: string;
  duoFeaturesEnabled: boolean;
  directCodeSuggestionsEnabled: boolean;
  addOn: AddOn;
}

/** What routing needs to know about a user's Duo seats; cached for SEAT_CACHE_TTL_MS. */
export interface SeatContext {
  readonly hasSeat: boolean;
  readonly groups: readonly SeatGroup[];
  /** Served from cache past its TTL because the database was unreachable. */
  readonly stale?: boolean;
}

const todayUtc = () => new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');

@Injectable()
export class SeatsService {
  private readonly lookups: IdentityReadThrough<SeatContext>;

  constructor(
    private readonly seats: SeatsRepository,
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    private readonly database: DatabaseGuard,
    groupsService: GroupsService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
    @Inject(IDENTITY_SNAPSHOTS) private readonly snapshots: IdentitySnapshots,
  ) {
    this.lookups = new IdentityReadThrough<SeatContext>({
      kind: 'seats',
      ttlMs: config.cache.seatTtlMs,
      maxEntries: 100_000,
      stalenessMs: config.degradedMaxStalenessMs,
      database,
      snapshots,
      userOf: (userId) => Number(userId),
      revive: (json) => json as SeatContext,
    });
    // A group change (settings, members) is re-read on next use; the old answer stays for
    // degraded mode (bounded staleness). A seat taken from a user is dropped at once, and so is
    // everything when such notifications may have been missed (the fleet's snapshots, retired by
    // change marks, serve degraded mode instead).
    groupsService.onChange(() => this.cache.expireAll());
    bus.subscribe('seats.changed', (d) =>
      d ? this.cache.delete(String(d.userId)) : this.cache.clear(),
    );
  }

  private get cache() {
    return this.lookups.cache;
  }

  async seatContext(userId: number): Promise<SeatContext> {
    let found;
    try {
      found = await this.lookups.read(String(userId), async (cached) => {
        const rows = await this.database.run(
          () => this.seats.activeSeatGroups(userId, todayUtc()),
          cached,
        );
        const groups = rows.map((r) => ({ ...r.group, addOn: r.addOn }));
        return { hasSeat: groups.length > 0, groups };
      });
    } catch (err) {
      throw new DomainError('service_unavailable', 'Seat information is temporarily unavailable', {
        cause: err,
        loggedAsStateChange: this.database.isOutage(err),
      });
    }
    // load always answers (no seat is an answer too), so `found` is never undefined
    const context = found?.value ?? { hasSeat: false, groups: [] };
    return found?.degraded ? { ...context, stale: true } : context;
  }

  async createPurchase(
    groupId: number,
    input: { addOn: AddOn; quantity: number; startsAt?: Date; expiresAt?: Date },
    actor: Actor,
  ): Promise<PurchaseRecord> {
    const group = await this.groups.findById(groupId);
    if (!group) throw DomainError.notFound('Group');
    if (group.parentId !== null) {
      throw DomainError.invalid(
        'group',
        'must be a top-level group (seats are given by top-level groups)',
      );
    }
    const startsAt = input.startsAt ?? todayUtc();
    const expiresAt = input.expiresAt ?? new Date(startsAt.getTime() + 365 * 86_400_000);
    if (expiresAt.getTime() <= startsAt.getTime())
      throw DomainError.invalid('expires_at', 'must be after starts_at');
    if (await this.seats.findOverlappingPurchase(groupId, input.addOn, startsAt, expiresAt)) {
      throw new DomainError(
        'conflict',
        `add_on ${input.addOn} already has a purchase for this period`,
      );
    }
    return this.transactions.run(async (tx) => {
      const purchase = await this.seats.createPurchase(
        { groupId, addOn: input.addOn, quantity: input.quantity, startsAt, expiresAt },
        tx,
      );
      await this.record(tx, actor, 'add_on_purchase_created', purchase.id, undefined, {
        group_id: groupId,
        add_on: purchase.addOn,
        quantity: purchase.quantity,
      });
      return purchase;
    });
  }

  listPurchases(groupId: number) {
    return this.seats.listPurchases(groupId);
  }

  async assign(groupId: number, purchaseId: number, userId: number, actor: Actor) {
    const group = await this.groups.findById(groupId);
    if (!group) throw DomainError.notFound('Group');
    if (!(await this.seats.findPurchase(groupId, purchaseId)))
      throw DomainError.notFound('Add-on purchase');
    if (!(await this.users.findById(userId)))
      throw DomainError.invalid('user_id', 'does not exist');
    if (!(await this.groups.isMemberOfHierarchy(group, userId))) {
      throw DomainError.invalid('user_id', 'is not a member of the group');
    }
    const assignment = await this.seats.assignSeat(purchaseId, userId, (tx) =>
      this.record(tx, actor, 'seat_assigned', purchaseId, undefined, { user_id: userId }),
    );
    this.forget(userId);
    return {
      id: assignment.id,
      user_id: userId,
      add_on_purchase_id: purchaseId,
      created_at: assignment.createdAt.toISOString(),
    };
  }

  async unassign(groupId: number, purchaseId: number, userId: number, actor: Actor): Promise<void> {
    if (!(await this.seats.findPurchase(groupId, purchaseId)))
      throw DomainError.notFound('Add-on purchase');
    await this.transactions.run(async (tx) => {
      if (!(await this.seats.removeSeat(purchaseId, userId, tx)))
        throw DomainError.notFound('Seat assignment');
      await this.record(tx, actor, 'seat_unassigned', purchaseId, { user_id: userId }, undefined);
    });
    this.forget(userId);
  }

  /** A seat assigned or taken: this process, the fleet's snapshots and the other processes. */
  private forget(userId: number): void {
    this.cache.delete(String(userId));
    this.snapshots.userChanged(userId);
    this.bus.publish('seats.changed', { userId });
  }

  private record(
    tx: Tx,
    actor: Actor,
    action: string,
    id: number,
    before: unknown,
    after: unknown,
  ) {
    return this.audit.recordChange(tx, actor, {
      targetType: 'AddOnPurchase',
      action,
      id,
      before,
      after,
    });
  }
}
