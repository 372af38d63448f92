import {
  DynamicModule,
  Global,
  Inject,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Gauge } from 'prom-client';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { FLEET_BREAKERS } from '../common/fleet/fleet-breakers';
import { FLEET_SNAPSHOTS } from '../common/fleet/fleet-snapshots';
import {
  IDENTITY_SNAPSHOTS,
  NoIdentitySnapshots,
  type IdentitySnapshots,
} from '../common/fleet/identity-snapshots';
import { rootLogger } from '../common/logging/logger';
import { RATE_LIMITERS } from '../common/rate-limit/rate-limiter';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ReadinessRegistry } from '../health/readiness.registry';
import { MetricsService } from '../observability/metrics.service';
import { LocalChangeBus, RedisChangeBus } from './change-bus';
import { FleetBreakersState } from './fleet-breakers.service';
import { FleetRateLimiters } from './fleet-rate-limiter';
import { LocalFleetSnapshots, RedisFleetSnapshots } from './fleet-snapshots';
import { resolveSigningKeySecret } from '../tokens/signing-key-secret';
import { RedisIdentitySnapshots } from './identity-snapshots';
import { RedisConnection } from './redis-connection';

const REDIS_CONNECTION = Symbol('REDIS_CONNECTION');

/** Metrics of this module; registered into the app's registry once MetricsService exists. */
class SharedStateMetrics {
  readonly up = new Gauge({
    name: 'switchboard_shared_state_up',
    help: '1 while Redis (REDIS_URL) is reachable, 0 while not (rate limits per process); absent without REDIS_URL; the lowest of the workers',
    registers: [],
    aggregator: 'min',
  });
  readonly localFallback = new Counter({
    name: 'switchboard_rate_limit_local_fallback_total',
    help: 'Rate-limit hits counted in this process because Redis was unreachable',
    labelNames: ['limiter'],
    registers: [],
  });
}

/**
 * State the processes of a fleet share through Redis (REDIS_URL): rate limits, change
 * notifications, breaker states, the console's per-process snapshots and the identity snapshots
 * of degraded mode. Without REDIS_URL every piece works for this process alone.
 */
@Global()
@Module({})
export class SharedStateModule implements OnApplicationBootstrap, OnApplicationShutdown {
  static forRoot(config: AppConfig): DynamicModule {
    const log = rootLogger.child({ component: 'shared-state' });
    const connection = config.redis ? new RedisConnection(config.redis.url, log) : undefined;
    const metrics = new SharedStateMetrics();
    const bus: ChangeBus =
      connection && config.redis
        ? new RedisChangeBus(connection, config.redis.keyPrefix, log)
        : new LocalChangeBus();
    const limiters = new FleetRateLimiters(
      connection && config.redis ? { connection, keyPrefix: config.redis.keyPrefix } : undefined,
      (name) => metrics.localFallback.inc({ limiter: name }),
    );
    connection?.onChange((up) => metrics.up.set(up ? 1 : 0));
    const snapshots =
      connection && config.redis
        ? new RedisFleetSnapshots(connection, config.redis.keyPrefix, log)
        : new LocalFleetSnapshots();
    const identity: IdentitySnapshots =
      connection && config.redis
        ? new RedisIdentitySnapshots(
            connection,
            config.redis.keyPrefix,
            config.degradedMaxStalenessMs,
            log,
            () => resolveSigningKeySecret(config).value,
          )
        : new NoIdentitySnapshots();
    return {
      module: SharedStateModule,
      providers: [
        { provide: REDIS_CONNECTION, useValue: connection ?? null },
        { provide: SharedStateMetrics, useValue: metrics },
        { provide: CHANGE_BUS, useValue: bus },
        { provide: RATE_LIMITERS, useValue: limiters },
        { provide: FLEET_BREAKERS, useValue: new FleetBreakersState(bus) },
        { provide: FLEET_SNAPSHOTS, useValue: snapshots },
        { provide: IDENTITY_SNAPSHOTS, useValue: identity },
      ],
      exports: [CHANGE_BUS, RATE_LIMITERS, FLEET_BREAKERS, FLEET_SNAPSHOTS, IDENTITY_SNAPSHOTS],
    };
  }

  constructor(
    @Inject(REDIS_CONNECTION) private readonly connection: RedisConnection | null,
    @Inject(FLEET_BREAKERS) private readonly breakers: FleetBreakersState,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
    private readonly metrics: SharedStateMetrics,
    private readonly readiness: ReadinessRegistry,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    if (this.bus instanceof RedisChangeBus) this.bus.start();
    const connection = this.connection;
    this.readiness.register('shared_state', () =>
      Promise.resolve(
        connection
          ? {
              ok: true,
              degraded: !connection.isUp,
              detail: {
                redis: connection.isUp ? 'up' : 'down',
                workers: this.config.workers,
                pid: process.pid,
              },
            }
          : {
              ok: true,
              detail: { redis: 'not configured', workers: this.config.workers, pid: process.pid },
            },
      ),
    );
    const registry = this.moduleRef.get(MetricsService, { strict: false }).registry;
    registry.registerMetric(this.metrics.localFallback);
    if (connection) {
      registry.registerMetric(this.metrics.up);
      this.metrics.up.set(connection.isUp ? 1 : 0);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.breakers.stop();
    await this.connection?.close();
  }
}
