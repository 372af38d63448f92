import cluster, { type Address, type Worker } from 'node:cluster';
import type { AppConfig } from '../config/app-config';
import { rootLogger } from '../common/logging/logger';
import { serveClusterMetrics } from '../observability/cluster-metrics';

const RESTART_DELAY_MS = 1000;
/** Beyond the workers' own grace period, how long the primary waits before SIGKILL. */
const KILL_AFTER_GRACE_MS = 5000;

/**
 * WORKERS > 1: this process only supervises; each worker runs the whole service (bootstrap) and
 * node:cluster hands it connections on the shared port. The first worker starts alone so the
 * migrations and first-run provisioning happen once; the others follow when it listens. A worker
 * that dies is replaced; SIGTERM/SIGINT is passed on and the primary exits when all have. A
 * scrape of /metrics, whichever worker gets it, is answered with every worker's metrics.
 */
export async function runPrimary(config: AppConfig, port: number): Promise<void> {
  const log = rootLogger.child({ component: 'cluster' });
  const env = { PORT: String(port) };
  let stopping = false;
  let everListened = false;

  /** Resolves when the worker serves the API (not another server of its own, e.g. the
   * built-in stub gateway without AIGW_URL). */
  const fork = (): Promise<Worker> => {
    const worker = cluster.fork(env);
    return new Promise((resolve) => {
      const onListening = (address: Address) => {
        if (address.port !== port) return;
        worker.off('listening', onListening);
        everListened = true;
        resolve(worker);
      };
      worker.on('listening', onListening);
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    if (!everListened) {
      log.error({ code, signal }, 'the first worker failed to start; stopping');
      process.exit(1);
    }
    log.error({ worker: worker.id, code, signal }, 'worker died; starting a replacement');
    setTimeout(() => void fork(), RESTART_DELAY_MS).unref();
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(() => {
        for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
        process.exit(1);
      }, config.shutdownGraceMs + KILL_AFTER_GRACE_MS).unref();
    });
  }

  serveClusterMetrics();
  await fork();
  for (let i = 1; i < config.workers; i++) void fork();
  log.info({ workers: config.workers, port }, 'switchboard cluster started');
}
