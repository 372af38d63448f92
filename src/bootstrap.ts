import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { AppConfig, loadAppConfig } from './config/app-config';
import { AppModule } from './app.module';
import { createLogger, runWithLogger, useProcessLogger } from './common/logging/logger';
import { PinoNestLogger } from './common/logging/nest-logger';
import {
  configureFastify,
  HARD_BODY_LIMIT_BYTES,
  normalisePath,
} from './common/http/fastify-setup';
import { genRequestId } from './common/http/request-id';
import { setupOpenApi } from './common/http/openapi';
import { installBodyAuthentication, serverTimeouts } from './common/http/request-limits';
import { TOKEN_AUTHENTICATOR } from './common/auth/principal';
import { installShutdownLog } from './common/http/shutdown-log';
import { COMPLETIONS_OPERATION } from './code-suggestions/completions.operation';
import { assertPortFree, freePort, PortInUseError } from './common/net/free-port';
import { openDatabase } from './database/database-connection';
import { checkDataDirWritable } from './common/startup/startup-refusal';
import { MetricsService } from './observability/metrics.service';
import { installRequestMetrics } from './observability/request-metrics';

export interface BootstrapOptions {
  /** Environment to validate; defaults to process.env. Tests pass their own. */
  env?: Record<string, string | undefined>;
  /** Install SIGTERM/SIGINT handlers (main.ts only; tests close the app themselves). */
  handleSignals?: boolean;
  /** Where log lines go (default stdout); tests capture them to check that nothing leaks. */
  logDestination?: DestinationStream;
}

export interface RunningApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** The address actually bound, e.g. http://127.0.0.1:43121 (PORT=0 picks a free port). */
  url: string;
  close(): Promise<void>;
}

/** Shared by main.ts and the e2e tests: the production wiring, listening on a real socket. */
export async function bootstrap(options: BootstrapOptions = {}): Promise<RunningApp> {
  const env = { ...(options.env ?? process.env) };
  if (env.PORT === '0') {
    // Ephemeral port (tests): pick it first so PUBLIC_URL (token issuer, JWKS) names the real port.
    env.PORT = String(await freePort(env.HOST ?? '127.0.0.1'));
  }
  const config = loadAppConfig(env);
  // A test's own destination gets its own logger; the process's app logs through the process's.
  const logger = options.logDestination
    ? createLogger(config.logLevel, options.logDestination)
    : useProcessLogger(config.logLevel);
  // Everything the app starts (DI, workers, timers, sockets, requests) logs through `logger`.
  return runWithLogger(logger, () => start(config, logger, options));
}

async function start(
  config: AppConfig,
  logger: Logger,
  options: BootstrapOptions,
): Promise<RunningApp> {
  // Before anything is written (demo data, tokens printed once): a busy PORT stops the start here.
  // A cluster worker shares its primary's listening socket, so only a lone process checks.
  if (!cluster.isWorker) await assertPortFree(config.http.host, config.http.port);

  // Checks first: nothing (no migration, no demo data, no key) is written before they pass.
  if (usesDataDir(config)) checkDataDirWritable(config.database.dataDir);
  const connection = await openDatabase(config.database);
  let app: NestFastifyApplication;
  try {
    const adapter = new FastifyAdapter({
      bodyLimit: HARD_BODY_LIMIT_BYTES,
      genReqId: genRequestId,
      ...serverTimeouts(config.http),
      return503OnClosing: true,
      rewriteUrl: (req: { url?: string }) => normalisePath(req.url),
    });
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.register(config, connection),
      adapter,
      {
        logger: new PinoNestLogger(logger.child({ component: 'nest' })),
        abortOnError: false,
        bodyParser: false,
      },
    );
    configureFastify(app.getHttpAdapter().getInstance(), logger);
    installBodyAuthentication(app.getHttpAdapter().getInstance(), app.get(TOKEN_AUTHENTICATOR));
    installRequestMetrics(app.getHttpAdapter().getInstance(), app.get(MetricsService));
    setupOpenApi(app, {
      publicUrl: config.http.publicUrl,
      gitlabVersion: config.gitlabVersion,
      routes: [COMPLETIONS_OPERATION],
    });
    if (options.handleSignals) handleSignals(app, logger, config.shutdownGraceMs);
    await app.listen({ port: config.http.port, host: config.http.host }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      throw new PortInUseError(config.http.host, config.http.port);
    });
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }

  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${address.port}`;
  logger.info(
    { url, publicUrl: config.http.publicUrl, database: connection.kind },
    'switchboard listening',
  );
  // Closed from the caller's context (a test, a signal): shutdown lines still go to the app's log.
  return { app, config, url, close: () => runWithLogger(logger, () => app.close()) };
}

/**
 * DATA_DIR holds the embedded database, the generated signing-key secret (without
 * SIGNING_KEY_SECRET) and the Unleash backup; with none of them it need not be writable (a
 * read-only root file system with DATABASE_URL and SIGNING_KEY_SECRET set).
 */
function usesDataDir(config: AppConfig): boolean {
  return config.database.embedded || !config.jwt.signingKeySecret || config.unleash !== undefined;
}

/**
 * Graceful stop on SIGTERM/SIGINT: stop accepting, finish in-flight requests; streams get
 * SHUTDOWN_GRACE_MS at most. process.exit (not a re-raised signal) lets pino flush on 'exit'.
 */
function handleSignals(app: NestFastifyApplication, logger: Logger, graceMs: number): void {
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const shutdownStarted = installShutdownLog(app.getHttpAdapter().getInstance(), logger, graceMs);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      shutdownStarted(sig);
      setTimeout(() => {
        logger.warn({ graceMs }, 'shutdown: grace period over, exiting');
        process.exit(0);
      }, graceMs).unref();
    });
  }
}
