import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TtlCache } from '../common/cache/ttl-cache';
import { IDENTITY_SNAPSHOTS, type IdentitySnapshots } from '../common/fleet/identity-snapshots';
import { DatabaseGuard } from '../database/database-guard';
import { GroupRecord, GroupsRepository } from '../identity/groups/groups.repository';
import { GroupsService } from '../identity/groups/groups.service';
import { IdentityReadThrough } from '../identity/identity-read-through';
import { SeatsService, SeatContext } from '../identity/seats/seats.service';
import { FlagSubject, userSubject } from './flag-context';

/** Feature groups a user can belong to; `gitlab_team_members` = members of TEAM_MEMBERS_GROUP. */
export const FEATURE_GROUPS = ['gitlab_team_members'] as const;

/**
 * Builds the flag subject for a user: the user, the groups giving the user a seat, the
 * project, and the feature groups. Seat and team lookups are cached (bounded staleness) and,
 * while the database is away, served from the last known answer (this process's or the fleet's).
 */
@Injectable()
export class FlagSubjectsService {
  private readonly team: IdentityReadThrough<boolean>;
  /** The team group itself (or its absence), so a user's first request does not look it up. */
  private readonly teamGroupCache: TtlCache<string, { group: GroupRecord | null }>;

  constructor(
    private readonly seats: SeatsService,
    private readonly groups: GroupsRepository,
    private readonly database: DatabaseGuard,
    groupsService: GroupsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(IDENTITY_SNAPSHOTS) snapshots: IdentitySnapshots,
  ) {
    this.team = new IdentityReadThrough<boolean>({
      kind: 'team',
      ttlMs: config.cache.seatTtlMs,
      maxEntries: 100_000,
      stalenessMs: config.degradedMaxStalenessMs,
      database,
      snapshots,
      userOf: (userId) => Number(userId),
      revive: (json) => json === true,
    });
    this.teamGroupCache = new TtlCache(
      config.cache.seatTtlMs,
      1,
      Date.now,
      config.degradedMaxStalenessMs,
    );
    // Re-read on next use; the old answers stay for degraded mode.
    groupsService.onChange(() => {
      this.teamGroupCache.expireAll();
      this.team.cache.expireAll();
    });
  }

  async forUser(userId: number, projectId?: number, seat?: SeatContext): Promise<FlagSubject> {
    const seatContext = seat ?? (await this.seats.seatContext(userId));
    const featureGroups = (await this.isTeamMember(userId)) ? ['gitlab_team_members'] : [];
    return userSubject(
      userId,
      seatContext.groups.map((g) => g.id),
      projectId,
      featureGroups,
    );
  }

  private async isTeamMember(userId: number): Promise<boolean> {
    const found = await this.team.read(String(userId), async (cached) => {
      const team = await this.teamGroup(cached);
      return team
        ? await this.database.run(() => this.groups.isMemberOfHierarchy(team, userId), cached)
        : false;
    });
    return found?.value ?? false;
  }

  private async teamGroup(cached: boolean): Promise<GroupRecord | null> {
    const path = this.config.flags.teamMembersGroup;
    const fresh = this.teamGroupCache.get(path);
    if (fresh) return fresh.group;
    const group = await this.database.run(
      () => this.groups.findByFullPath(path),
      cached || this.teamGroupCache.getStale(path) !== undefined,
    );
    this.teamGroupCache.set(path, { group });
    return group;
  }
}
