import { availableParallelism } from 'node:os';
import { ConfigError, loadAppConfig } from '../../../src/config/app-config';

describe('loadAppConfig', () => {
  it('applies the documented defaults on an empty environment', () => {
    const c = loadAppConfig({});
    expect(c.http).toEqual({
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 65_000,
    });
    expect(c.databaseGuard).toEqual({ deadlineMs: 1000, breakerThreshold: 3, probeAfterMs: 2000 });
    expect(c.database.embedded).toBe(true);
    expect(c.database.dataDir).toMatch(/\.data$/);
    expect(c.gateway).toMatchObject({
      url: undefined,
      timeoutMs: 55_000,
      tokenSource: 'self_signed',
    });
    expect(c.unleash).toBeUndefined();
    expect(c.rateLimits).toEqual({
      completionsPerMinute: 60,
      directAccessPerMinute: 50,
      usageEventsPerMinute: 600,
    });
    expect(c.acceptance).toEqual({
      flushIntervalMs: 1000,
      retentionMs: 30 * 86_400_000,
      dedupWindowMs: 15 * 60_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('refuses an acceptance setting out of its bounds, naming it', () => {
    expect(() => loadAppConfig({ ACCEPTANCE_RETENTION_DAYS: '0' })).toThrow(
      /ACCEPTANCE_RETENTION_DAYS/,
    );
    expect(() => loadAppConfig({ ACCEPTANCE_DEDUP_WINDOW_MINUTES: '1' })).toThrow(
      /ACCEPTANCE_DEDUP_WINDOW_MINUTES/,
    );
  });

  it('strips a trailing slash from URLs and treats empty strings as unset', () => {
    const c = loadAppConfig({
      AIGW_URL: 'http://gw:5052/',
      PUBLIC_URL: 'https://sb.example.com/',
      DATABASE_URL: '',
    });
    expect(c.gateway.url).toBe('http://gw:5052');
    expect(c.http.publicUrl).toBe('https://sb.example.com');
    expect(c.database.embedded).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ AIGW_URL: 'ftp://x' }, 'AIGW_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ INITIAL_ROOT_TOKEN: 'short' }, 'INITIAL_ROOT_TOKEN'],
    [{ UNLEASH_URL: 'http://u:4242' }, 'UNLEASH_URL'],
    [{ GATEWAY_TOKEN_SOURCE: 'magic' }, 'GATEWAY_TOKEN_SOURCE'],
    [{ GATEWAY_JWKS_CACHE_SECONDS: 'a day' }, 'GATEWAY_JWKS_CACHE_SECONDS'],
    [{ GATEWAY_JWKS_CACHE_SECONDS: '-1' }, 'GATEWAY_JWKS_CACHE_SECONDS'],
  ])('a bad value stops the start naming the variable: %j', (env, name) => {
    expect(() => loadAppConfig(env)).toThrow(ConfigError);
    expect(() => loadAppConfig(env)).toThrow(new RegExp(name));
  });

  it('GATEWAY_JWKS_CACHE_SECONDS defaults to the gateway’s 24 h', () => {
    expect(loadAppConfig({}).jwt.gatewayJwksCacheSec).toBe(86_400);
    expect(loadAppConfig({ GATEWAY_JWKS_CACHE_SECONDS: '0' }).jwt.gatewayJwksCacheSec).toBe(0);
  });

  it.each(['https://sb.example.com/switchboard', 'https://h/a/b/', 'https://h?x=1', 'http://h#f'])(
    'refuses PUBLIC_URL %s in one line that says why (the gateway drops the path)',
    (url) => {
      let message = '';
      try {
        loadAppConfig({ PUBLIC_URL: url });
      } catch (err) {
        message = (err as Error).message;
      }
      const line = message.split('\n').find((l) => l.includes('PUBLIC_URL'));
      expect(line).toMatch(/^ {2}PUBLIC_URL: must have no path: the AI Gateway looks up/);
      expect(line).toContain('/.well-known/openid-configuration at the root of its host');
    },
  );

  it('enables Unleash only with all three variables', () => {
    const c = loadAppConfig({
      UNLEASH_URL: 'http://u:4242/',
      UNLEASH_API_TOKEN: 'c',
      UNLEASH_ADMIN_TOKEN: 'a',
    });
    expect(c.unleash).toMatchObject({
      url: 'http://u:4242',
      environment: 'development',
      refreshIntervalMs: 1000,
    });
  });

  it.each(['http://u:4242/api/', 'http://u:4242/api', 'http://u:4242'])(
    "UNLEASH_URL %s (with or without the SDK docs' /api/ suffix) is the server base URL",
    (url) => {
      const c = loadAppConfig({
        UNLEASH_URL: url,
        UNLEASH_API_TOKEN: 'c',
        UNLEASH_ADMIN_TOKEN: 'a',
      });
      expect(c.unleash?.url).toBe('http://u:4242');
    },
  );

  describe('WORKERS and REDIS_URL', () => {
    const pg = 'postgres://u:p@127.0.0.1:5432/db';
    const redis = 'redis://127.0.0.1:6379';
    const problems = (env: Record<string, string>) => {
      try {
        loadAppConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };

    it('defaults to one worker and no shared state', () => {
      const c = loadAppConfig({});
      expect(c.workers).toBe(1);
      expect(c.redis).toBeUndefined();
    });

    it('takes a number or auto (one per core) with PostgreSQL and Redis', () => {
      const c = loadAppConfig({ WORKERS: '3', DATABASE_URL: pg, REDIS_URL: redis });
      expect(c.workers).toBe(3);
      expect(c.redis).toEqual({ url: redis, keyPrefix: 'switchboard:' });
      const auto = loadAppConfig({ WORKERS: 'auto', DATABASE_URL: pg, REDIS_URL: redis });
      expect(auto.workers).toBe(availableParallelism());
    });

    it('refuses several workers on the embedded database, naming the fix', () => {
      expect(problems({ WORKERS: '2', REDIS_URL: redis })).toEqual([
        expect.stringMatching(
          /^WORKERS: 2 workers need DATABASE_URL \(PostgreSQL\); the embedded PGlite/,
        ),
      ]);
    });

    it('refuses several workers without REDIS_URL', () => {
      expect(problems({ WORKERS: '2', DATABASE_URL: pg })).toEqual([
        expect.stringMatching(/^WORKERS: 2 workers need REDIS_URL/),
      ]);
    });

    it.each([
      ['WORKERS', 'many', /WORKERS: must be a whole number or auto/],
      ['WORKERS', '0', /WORKERS: must be at least 1/],
      ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    ])('%s=%j is refused', (name, value, message) => {
      expect(problems({ [name]: value }).join('\n')).toMatch(message);
    });
  });
});
