import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS } from '../common/logging/logger';
import type { AppConfig } from './app-config.types';
import { projectRoot } from '../common/project-root';
import { publicUrlWithoutPath } from './public-url';

/**
 * The one place the environment is read. `loadAppConfig` validates every variable once at boot
 * and returns a frozen, typed object; a bad value stops the start with a message naming it.
 */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
  .transform((u) => u.replace(/\/+$/, ''));
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: httpUrl.pipe(publicUrlWithoutPath).optional(),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a postgres:// URL')
      .optional(),
  ),
  DATA_DIR: z.string().min(1).default('./.data'),
  AIGW_URL: optionalString.pipe(httpUrl.optional()),
  INITIAL_ROOT_TOKEN: optionalString.pipe(
    z.string().min(20, 'must be at least 20 characters').optional(),
  ),
  UNLEASH_URL: optionalString.pipe(httpUrl.optional()),
  UNLEASH_API_TOKEN: optionalString,
  UNLEASH_ADMIN_TOKEN: optionalString,
  UNLEASH_ENVIRONMENT: z.string().min(1).default('development'),
  UNLEASH_APP_NAME: z.string().min(1).default('switchboard'),
  UNLEASH_PROJECT: z.string().min(1).default('default'),
  UNLEASH_REFRESH_INTERVAL_MS: int(100, 600_000).default(1000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  TOKEN_CACHE_TTL_MS: int(0, 60_000).default(5000),
  SEAT_CACHE_TTL_MS: int(0, 60_000).default(5000),
  FLAGS_POLL_INTERVAL_MS: int(50, 60_000).default(500),
  FLAGS_STALE_AFTER_MS: int(1000, 3_600_000).default(30_000),
  FEATURE_FLAGS_DIR: z.string().min(1).default('config/feature_flags'),
  MODELS_FILE: z.string().min(1).default('config/models.yml'),
  TEAM_MEMBERS_GROUP: z.string().min(1).default('gitlab-org'),
  GATEWAY_TIMEOUT_MS: int(100, 600_000).default(55_000),
  /** How often the gateway's /v1/models/definitions is read again (0: only at boot). */
  GATEWAY_MODELS_REFRESH_MS: int(0, 86_400_000).default(300_000),
  GATEWAY_TOKEN_SOURCE: z.enum(['self_signed', 'gateway']).default('self_signed'),
  JWT_AUDIENCE: z.string().min(1).default('gitlab-ai-gateway'),
  GATEWAY_JWKS_CACHE_SECONDS: int(0, 30 * 24 * 3600).default(86_400),
  SIGNING_KEY_SECRET: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  RATE_LIMIT_COMPLETIONS_PER_MINUTE: int(1, 1_000_000).default(60),
  RATE_LIMIT_DIRECT_ACCESS_PER_MINUTE: int(1, 1_000_000).default(50),
  RATE_LIMIT_USAGE_EVENTS_PER_MINUTE: int(1, 1_000_000).default(600),
  /** Acceptance events are written in batches at this interval (docs/acceptance.md). */
  ACCEPTANCE_FLUSH_INTERVAL_MS: int(50, 60_000).default(1000),
  /** Per-minute acceptance rollups older than this are deleted. */
  ACCEPTANCE_RETENTION_DAYS: int(1, 3650).default(30),
  /** Per-suggestion rows (only for counting each suggestion once) are deleted after this. */
  ACCEPTANCE_DEDUP_WINDOW_MINUTES: int(2, 1440).default(15),
  GITLAB_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+/, 'must look like 18.6.0')
    .default('18.6.0'),
  FAILOVER_BREAKER_THRESHOLD: int(1, 1000).default(5),
  FAILOVER_HALF_OPEN_AFTER_MS: int(100, 600_000).default(10_000),
  FAILOVER_ATTEMPT_TIMEOUT_MS: int(100, 600_000).default(10_000),
  DEGRADED_MAX_STALENESS_MS: int(0, 3_600_000).default(300_000),
  ROLLOUT_GUARD_INTERVAL_MS: int(100, 3_600_000).default(5_000),
  DEMO_DATA: z.enum(['auto', 'never']).default('auto'),
  SHUTDOWN_GRACE_MS: int(0, 120_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1000, 600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1000, 600_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(1000, 600_000).default(65_000),
  DATABASE_DEADLINE_MS: int(50, 60_000).default(1000),
  DATABASE_BREAKER_THRESHOLD: int(1, 1000).default(3),
  DATABASE_PROBE_AFTER_MS: int(100, 600_000).default(2000),
  WORKERS: z
    .string()
    .trim()
    .default('1')
    .refine((v) => v === 'auto' || /^\d+$/.test(v), 'must be a whole number or auto')
    .transform((v) => (v === 'auto' ? availableParallelism() : Number(v)))
    .pipe(z.number().int().min(1, 'must be at least 1').max(256)),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .refine((u) => /^rediss?:\/\/[^/]/.test(u), 'must be a redis:// or rediss:// URL')
      .optional(),
  ),
  REDIS_KEY_PREFIX: z.string().min(1).default('switchboard:'),
});

export type Env = z.input<typeof envSchema>;

/** Every variable the schema reads (documentation checks: .env.example must name them all). */
export const ENV_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type { AppConfig } from './app-config.types';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');

// eslint-disable-next-line max-lines-per-function -- one flat line per variable, in the README's order: splitting it would scatter the table
export function loadAppConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const unleashVars = [e.UNLEASH_URL, e.UNLEASH_API_TOKEN, e.UNLEASH_ADMIN_TOKEN];
  const unleashSet = unleashVars.filter((v) => v !== undefined).length;
  if (unleashSet > 0 && unleashSet < 3) {
    problems.push(
      'UNLEASH_URL, UNLEASH_API_TOKEN, UNLEASH_ADMIN_TOKEN: set all three to use Unleash, or none for the embedded flag store',
    );
  }
  problems.push(...workerProblems(e.WORKERS, e.DATABASE_URL, e.REDIS_URL));
  if (problems.length > 0) throw new ConfigError(problems);

  const publicHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const config: AppConfig = {
    nodeEnv: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL ?? `http://${publicHost}:${e.PORT}`,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    database: {
      url: e.DATABASE_URL,
      dataDir: path.resolve(e.DATA_DIR),
      embedded: e.DATABASE_URL === undefined,
    },
    databaseGuard: {
      deadlineMs: e.DATABASE_DEADLINE_MS,
      breakerThreshold: e.DATABASE_BREAKER_THRESHOLD,
      probeAfterMs: e.DATABASE_PROBE_AFTER_MS,
    },
    gateway: {
      url: e.AIGW_URL,
      timeoutMs: e.GATEWAY_TIMEOUT_MS,
      tokenSource: e.GATEWAY_TOKEN_SOURCE,
      modelsRefreshMs: e.GATEWAY_MODELS_REFRESH_MS,
    },
    jwt: {
      audience: e.JWT_AUDIENCE,
      signingKeySecret: e.SIGNING_KEY_SECRET,
      gatewayJwksCacheSec: e.GATEWAY_JWKS_CACHE_SECONDS,
    },
    initialRootToken: e.INITIAL_ROOT_TOKEN,
    unleash:
      e.UNLEASH_URL && e.UNLEASH_API_TOKEN && e.UNLEASH_ADMIN_TOKEN
        ? {
            // The server's base URL; the form Unleash's SDK docs use (`…/api/`) is accepted too.
            url: e.UNLEASH_URL.replace(/\/api$/, ''),
            apiToken: e.UNLEASH_API_TOKEN,
            adminToken: e.UNLEASH_ADMIN_TOKEN,
            environment: e.UNLEASH_ENVIRONMENT,
            appName: e.UNLEASH_APP_NAME,
            project: e.UNLEASH_PROJECT,
            refreshIntervalMs: e.UNLEASH_REFRESH_INTERVAL_MS,
          }
        : undefined,
    flags: {
      definitionsDir: path.resolve(projectRoot(), e.FEATURE_FLAGS_DIR),
      pollIntervalMs: e.FLAGS_POLL_INTERVAL_MS,
      staleAfterMs: e.FLAGS_STALE_AFTER_MS,
      teamMembersGroup: e.TEAM_MEMBERS_GROUP,
    },
    modelsFile: path.resolve(projectRoot(), e.MODELS_FILE),
    logLevel: e.LOG_LEVEL,
    cache: { tokenTtlMs: e.TOKEN_CACHE_TTL_MS, seatTtlMs: e.SEAT_CACHE_TTL_MS },
    rateLimits: {
      completionsPerMinute: e.RATE_LIMIT_COMPLETIONS_PER_MINUTE,
      directAccessPerMinute: e.RATE_LIMIT_DIRECT_ACCESS_PER_MINUTE,
      usageEventsPerMinute: e.RATE_LIMIT_USAGE_EVENTS_PER_MINUTE,
    },
    acceptance: {
      flushIntervalMs: e.ACCEPTANCE_FLUSH_INTERVAL_MS,
      retentionMs: e.ACCEPTANCE_RETENTION_DAYS * 86_400_000,
      dedupWindowMs: e.ACCEPTANCE_DEDUP_WINDOW_MINUTES * 60_000,
    },
    gitlabVersion: e.GITLAB_VERSION,
    failover: {
      breakerThreshold: e.FAILOVER_BREAKER_THRESHOLD,
      halfOpenAfterMs: e.FAILOVER_HALF_OPEN_AFTER_MS,
      attemptTimeoutMs: e.FAILOVER_ATTEMPT_TIMEOUT_MS,
    },
    degradedMaxStalenessMs: e.DEGRADED_MAX_STALENESS_MS,
    rolloutGuardIntervalMs: e.ROLLOUT_GUARD_INTERVAL_MS,
    demoData: e.DEMO_DATA,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    workers: e.WORKERS,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
  };
  return Object.freeze(config);
}

/**
 * Several workers need a database every process can open (PGlite is one process's files) and
 * one place for what they must agree on (rate limits, revocations, breakers): refuse otherwise.
 */
function workerProblems(workers: number, databaseUrl?: string, redisUrl?: string): string[] {
  if (workers <= 1) return [];
  const problems: string[] = [];
  if (databaseUrl === undefined) {
    problems.push(
      `WORKERS: ${workers} workers need DATABASE_URL (PostgreSQL); the embedded PGlite database serves one process only (set WORKERS=1)`,
    );
  }
  if (redisUrl === undefined) {
    problems.push(
      `WORKERS: ${workers} workers need REDIS_URL, where they share rate limits and change notifications (set WORKERS=1 without it)`,
    );
  }
  return problems;
}
