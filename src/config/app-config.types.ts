import type { LogLevel } from '../common/logging/logger';

/** The validated configuration `loadAppConfig` (app-config.ts) returns: the shape every module reads. */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    /** The whole request (headers and body) must arrive within this, else 408. */
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  readonly database: {
    readonly url: string | undefined;
    readonly dataDir: string;
    readonly embedded: boolean;
  };
  /** Database calls on the request path: deadline and breaker (src/database/database-guard.ts). */
  readonly databaseGuard: {
    /** Deadline of one call (typing path: well under a second); past it cached identity serves. */
    readonly deadlineMs: number;
    /** Consecutive failures or timeouts that mark the database down (breaker opens). */
    readonly breakerThreshold: number;
    /** While down, one probe call is let through after this long. */
    readonly probeAfterMs: number;
  };
  readonly gateway: {
    readonly url: string | undefined;
    readonly timeoutMs: number;
    readonly tokenSource: 'self_signed' | 'gateway';
    readonly modelsRefreshMs: number;
  };
  readonly jwt: {
    readonly audience: string;
    readonly signingKeySecret: string | undefined;
    /** How long the gateway keeps our JWKS (a rotation publishes the new key this long first). */
    readonly gatewayJwksCacheSec: number;
  };
  readonly initialRootToken: string | undefined;
  readonly unleash:
    | {
        readonly url: string;
        readonly apiToken: string;
        readonly adminToken: string;
        readonly environment: string;
        readonly appName: string;
        readonly project: string;
        readonly refreshIntervalMs: number;
      }
    | undefined;
  readonly flags: {
    readonly definitionsDir: string;
    readonly pollIntervalMs: number;
    readonly staleAfterMs: number;
    readonly teamMembersGroup: string;
  };
  readonly modelsFile: string;
  readonly logLevel: LogLevel;
  readonly cache: { readonly tokenTtlMs: number; readonly seatTtlMs: number };
  readonly rateLimits: {
    readonly completionsPerMinute: number;
    readonly directAccessPerMinute: number;
    /** POST /api/v4/usage_data/track_event, per user. */
    readonly usageEventsPerMinute: number;
  };
  /** Suggestion acceptance (docs/acceptance.md). */
  readonly acceptance: {
    readonly flushIntervalMs: number;
    readonly retentionMs: number;
    readonly dedupWindowMs: number;
  };
  readonly gitlabVersion: string;
  readonly failover: {
    readonly breakerThreshold: number;
    readonly halfOpenAfterMs: number;
    /** Deadline of a primary attempt when automatic failover can still save the request. */
    readonly attemptTimeoutMs: number;
  };
  /** How long cached identity and seats may serve while the database is unreachable. */
  readonly degradedMaxStalenessMs: number;
  readonly rolloutGuardIntervalMs: number;
  readonly demoData: 'auto' | 'never';
  readonly shutdownGraceMs: number;
  /** Processes serving HTTP on this machine (node:cluster when > 1). */
  readonly workers: number;
  /** Shared state of the fleet (rate limits, change notifications); undefined: this process only. */
  readonly redis: { readonly url: string; readonly keyPrefix: string } | undefined;
}
