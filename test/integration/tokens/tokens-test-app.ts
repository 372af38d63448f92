import 'reflect-metadata';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { mkdtempSync } from 'node:fs';
import { freePort } from '../../../src/common/net/free-port';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuthGuard } from '../../../src/common/auth/auth.guard';
import {
  TOKEN_AUTHENTICATOR,
  type Principal,
  type TokenAuthenticator,
} from '../../../src/common/auth/principal';
import { DomainErrorFilter } from '../../../src/common/errors/domain-error.filter';
import { useProcessLogger } from '../../../src/common/logging/logger';
import { loadAppConfig, type AppConfig } from '../../../src/config/app-config';
import { AppConfigModule } from '../../../src/config/config.module';
import type { DatabaseConnection } from '../../../src/database/database-connection';
import { DatabaseModule } from '../../../src/database/database.module';
import { pgliteExecutor } from '../../../src/database/migration-runner';
import { HealthModule } from '../../../src/health/health.module';
import { TokensModule } from '../../../src/tokens/tokens.module';
import {
  GATEWAY_BASE_URL,
  TOKENS_TUNING,
  type TokensTuning,
} from '../../../src/tokens/tokens.tokens';

export const ADMIN_TOKEN = 'admin-token-0123456789';
export const USER_TOKEN = 'user-token-0123456789';
export const TEST_SECRET = 'integration-signing-key-secret-0123456789';

function principal(id: number, username: string, admin: boolean): Principal {
  return {
    user: { id, username, name: username, admin, globalUserId: `global-${id}` },
    token: { id, name: 'test', scopes: ['api'], expiresAt: null },
  };
}

/** Two fixed personal access tokens: an admin's and a plain user's. */
const authenticator: TokenAuthenticator = {
  authenticate: async (secret) =>
    secret === ADMIN_TOKEN
      ? principal(1, 'root', true)
      : secret === USER_TOKEN
        ? principal(2, 'alice', false)
        : undefined,
};

/** What the app root provides in production (the lead's wiring), stubbed for this test. */
@Global()
@Module({})
class TokensTestSupportModule {
  static forRoot(gatewayBaseUrl: () => string, tuning: Partial<TokensTuning>): DynamicModule {
    return {
      module: TokensTestSupportModule,
      providers: [
        { provide: GATEWAY_BASE_URL, useValue: gatewayBaseUrl },
        { provide: TOKEN_AUTHENTICATOR, useValue: authenticator },
        { provide: TOKENS_TUNING, useValue: tuning },
      ],
      exports: [GATEWAY_BASE_URL, TOKEN_AUTHENTICATOR, TOKENS_TUNING],
    };
  }
}

/** One embedded database shared by several app instances (like instances sharing PostgreSQL). */
export async function sharedDatabase(): Promise<{
  pg: PGlite;
  connection: () => DatabaseConnection;
}> {
  const pg = await PGlite.create();
  return {
    pg,
    connection: () => ({
      kind: 'pglite',
      adapter: new PrismaPGlite(pg),
      sql: pgliteExecutor(pg),
      freshEmbedded: false,
      close: async () => undefined, // the test closes `pg` itself
    }),
  };
}

export interface TestAppOptions {
  connection: DatabaseConnection;
  env?: Record<string, string>;
  gatewayBaseUrl?: () => string;
  tuning?: Partial<TokensTuning>;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  close(): Promise<void>;
}

/** The tokens module on a real socket, with PUBLIC_URL naming that socket (the token issuer). */
export async function startTokensApp(opts: TestAppOptions): Promise<TestApp> {
  useProcessLogger('silent');
  const port = await freePort();
  const config = loadAppConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-tokens-it-')),
    SIGNING_KEY_SECRET: TEST_SECRET,
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const root: DynamicModule = {
    module: class TokensTestRootModule {},
    imports: [
      AppConfigModule.forRoot(config),
      DatabaseModule.forConnection(opts.connection),
      AuditModule,
      HealthModule,
      TokensTestSupportModule.forRoot(
        opts.gatewayBaseUrl ?? (() => 'http://127.0.0.1:9'),
        opts.tuning ?? {},
      ),
      TokensModule,
    ],
    providers: [
      { provide: APP_GUARD, useClass: AuthGuard },
      { provide: APP_FILTER, useClass: DomainErrorFilter },
    ],
  };
  const app = await NestFactory.create<NestFastifyApplication>(root, new FastifyAdapter(), {
    logger: false,
    abortOnError: false,
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, config, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
