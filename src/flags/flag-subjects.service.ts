import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { TtlCache } from '../common/cache/ttl-cache';
import { DatabaseGuard } from '../database/database-guard';
import { GroupRecord, GroupsRepository } from '../identity/groups/groups.repository';
import { GroupsService } from '../identity/groups/groups.service';
import { SeatsService, SeatContext } from '../identity/seats/seats.service';
import { FlagSubject, userSubject } from './flag-context';

/** Feature groups a user can belong to; `gitlab_team_members` = members of TEAM_MEMBERS_GROUP. */
export const FEATURE_GROUPS = ['gitlab_team_members'] as const;

/**
 * Builds the flag subject for a user: the user, the groups giving the user a seat, the
 * project, and the feature groups. Seat and team lookups are cached (bounded staleness).
 */
@Injectable()
export class FlagSubjectsService {
  private readonly teamCache: TtlCache<number, boolean>;
  /** The team group itself (or its absence), so a user's first request does not look it up. */
  private readonly teamGroupCache: TtlCache<string, { group: GroupRecord | null }>;

  constructor(
    private readonly seats: SeatsService,
    private readonly groups: GroupsRepository,
    private readonly database: DatabaseGuard,
    groupsService: GroupsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.teamCache = new TtlCache(
      config.cache.seatTtlMs,
      100_000,
      Date.now,
      config.degradedMaxStalenessMs,
    );
    this.teamGroupCache = new TtlCache(
      config.cache.seatTtlMs,
      1,
      Date.now,
      config.degradedMaxStalenessMs,
    );
    groupsService.onChange(() => this.teamGroupCache.clear());
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
    const cached = this.teamCache.get(userId);
    if (cached !== undefined) return cached;
    let member: boolean;
    try {
      const team = await this.teamGroup();
      member = team
        ? await this.database.run(
            () => this.groups.isMemberOfHierarchy(team, userId),
            this.teamCache.getStale(userId) !== undefined,
          )
        : false;
    } catch (err) {
      const stale = this.teamCache.getStale(userId);
      if (stale) return stale.value;
      throw err;
    }
    this.teamCache.set(userId, member);
    return member;
  }

  private async teamGroup(): Promise<GroupRecord | null> {
    const path = this.config.flags.teamMembersGroup;
    const cached = this.teamGroupCache.get(path);
    if (cached) return cached.group;
    const group = await this.database.run(
      () => this.groups.findByFullPath(path),
      this.teamGroupCache.getStale(path) !== undefined,
    );
    this.teamGroupCache.set(path, { group });
    return group;
  }
}
