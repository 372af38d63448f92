import cluster from 'node:cluster';
import { bootstrap } from './bootstrap';
import { assertPortFree, freePort, PortInUseError } from './common/net/free-port';
import { ConfigError, loadAppConfig } from './config/app-config';
import { useProcessLogger } from './common/logging/logger';
import { StartupRefusal } from './common/startup/startup-refusal';
import { runPrimary } from './workers/cluster-primary';

async function main(): Promise<void> {
  if (cluster.isPrimary) {
    // Validated before any worker starts, so a refusal (e.g. WORKERS>1 with PGlite) is one message.
    const config = loadAppConfig(process.env);
    if (config.workers > 1) {
      useProcessLogger(config.logLevel);
      await assertPortFree(config.http.host, config.http.port);
      const port = config.http.port === 0 ? await freePort(config.http.host) : config.http.port;
      return runPrimary(config, port);
    }
  }
  await bootstrap({ handleSignals: true });
  if (cluster.isWorker) {
    // A worker may get a stop signal twice: from a service manager that signals the whole group
    // (systemd, a terminal's Ctrl-C) and from its primary. The first starts the graceful
    // shutdown; with no listener left, the second would kill the worker mid-drain.
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => undefined);
  }
}

main().catch((err: unknown) => {
  if (
    err instanceof ConfigError ||
    err instanceof PortInUseError ||
    err instanceof StartupRefusal
  ) {
    process.stderr.write(`switchboard: ${err.message}\n`);
  } else {
    process.stderr.write(`switchboard failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
