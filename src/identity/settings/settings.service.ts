import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CHANGE_BUS, type ChangeBus } from '../../common/fleet/change-bus';
import { rootLogger } from '../../common/logging/logger';
import { AuditRepository } from '../../audit/audit.repository';
import { DatabaseGuard } from '../../database/database-guard';
import { Transactions } from '../../database/transactions';
import { hostName } from '../../common/validation/params';
import type { Actor } from '../users/users.service';
import { InstanceSettingsRecord, SettingsRepository } from './settings.repository';

const REFRESH_MS = 2000;

export type SettingsChanges = Partial<Omit<InstanceSettingsRecord, 'instanceId' | 'updatedAt'>>;

/**
 * Instance settings served from memory (they are read on every completion). Changes made here
 * apply at once; another process's changes when its notification arrives (change bus), else
 * within 2 s.
 */
@Injectable()
export class SettingsService implements OnModuleInit, OnApplicationShutdown {
  private snapshot!: InstanceSettingsRecord;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repo: SettingsRepository,
    private readonly audit: AuditRepository,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
    private readonly database: DatabaseGuard,
  ) {
    bus.subscribe('settings.changed', () => void this.refresh());
  }

  async onModuleInit(): Promise<void> {
    this.snapshot = this.servable(
      await this.repo.getOrCreate({ hostName: new URL(this.config.http.publicUrl).hostname }),
    );
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  current(): InstanceSettingsRecord {
    return this.snapshot;
  }

  async update(changesIn: SettingsChanges, actor: Actor): Promise<InstanceSettingsRecord> {
    const changes = Object.fromEntries(
      Object.entries(changesIn).filter(([, v]) => v !== undefined),
    ) as SettingsChanges;
    const before = this.snapshot;
    // The snapshot changes only after the commit, so a failed audit write changes nothing.
    this.snapshot = await this.transactions.run(async (tx) => {
      const after = await this.repo.update(changes, tx);
      await this.audit.record(
        {
          actorId: actor.id,
          actorName: actor.name,
          action: 'application_settings_updated',
          targetType: 'ApplicationSettings',
          targetId: '1',
          before: pick(before, changes),
          after: pick(after, changes),
        },
        tx,
      );
      return after;
    });
    this.snapshot = this.servable(this.snapshot);
    this.bus.publish('settings.changed', {});
    return this.snapshot;
  }

  private async refresh(): Promise<void> {
    try {
      const fresh = await this.database.run(() =>
        this.repo.getOrCreate({ hostName: this.snapshot.hostName }),
      );
      this.snapshot = this.servable(fresh);
    } catch (err) {
      // The database away is logged by the guard as state changes: no line every 2 s.
      if (!this.database.isOutage(err))
        rootLogger.warn({ err }, 'could not refresh application settings; keeping the last known');
    }
  }

  /**
   * A host_name stored before it was validated (e.g. `gitlab.例え.jp`) cannot go into a header:
   * it is served in its ASCII form, or as PUBLIC_URL's host when it is no host name at all.
   */
  private servable(record: InstanceSettingsRecord): InstanceSettingsRecord {
    const parsed = hostName.safeParse(record.hostName);
    if (parsed.success && parsed.data === record.hostName) return record;
    const fallback = new URL(this.config.http.publicUrl).hostname;
    if (!parsed.success && this.snapshot?.hostName !== fallback) {
      rootLogger.warn("stored host_name is not a host name: serving PUBLIC_URL's host instead");
    }
    return { ...record, hostName: parsed.success ? parsed.data : fallback };
  }
}

function pick(s: InstanceSettingsRecord, keys: SettingsChanges): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(keys) as Array<keyof SettingsChanges>) out[k] = s[k];
  return out;
}
