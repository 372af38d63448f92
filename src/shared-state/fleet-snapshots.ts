import cluster from 'node:cluster';
import * as os from 'node:os';
import type { Logger } from 'pino';
import type { FleetSnapshots } from '../common/fleet/fleet-snapshots';
import type { RedisConnection } from './redis-connection';

/** How long a snapshot outlives its last refresh (the publishers refresh every 2 s). */
export const SNAPSHOT_TTL_MS = 10_000;

const selfId = () => {
  const instance = `${os.hostname()}:${cluster.isWorker ? process.ppid : process.pid}`;
  return { instance, process: `${instance}:${process.pid}` };
};

interface Stored {
  instance: string;
  process: string;
  data: unknown;
}

/** Without REDIS_URL: this process is the whole fleet. */
export class LocalFleetSnapshots implements FleetSnapshots {
  readonly self = selfId();
  readonly shared = false;
  publish(): void {}
  others(): Promise<Stored[]> {
    return Promise.resolve([]);
  }
}

/**
 * One Redis key per process (`<prefix>snapshot:<process>`), set with a TTL on every publish;
 * read with SCAN and MGET. Redis down: publishing is skipped and `others` is empty (the caller
 * says how many processes reported).
 */
export class RedisFleetSnapshots implements FleetSnapshots {
  readonly shared = true;

  /** `ttlMs` and `self` are for tests (two "processes" in one, a short life). */
  constructor(
    private readonly connection: RedisConnection,
    private readonly keyPrefix: string,
    private readonly log: Logger,
    private readonly ttlMs = SNAPSHOT_TTL_MS,
    readonly self = selfId(),
  ) {}

  private get pattern(): string {
    return `${this.keyPrefix}snapshot:`;
  }

  publish(data: unknown): void {
    if (!this.connection.isUp) return;
    const stored: Stored = { ...this.self, data };
    this.connection.client
      .set(this.pattern + this.self.process, JSON.stringify(stored), 'PX', this.ttlMs)
      .catch((err: unknown) => this.log.debug({ err }, 'snapshot not published'));
  }

  async others(): Promise<Stored[]> {
    if (!this.connection.isUp) return [];
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.connection.client.scan(
          cursor,
          'MATCH',
          `${this.pattern}*`,
          'COUNT',
          100,
        );
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      const own = this.pattern + this.self.process;
      const values = keys.length ? await this.connection.client.mget(...keys) : [];
      return values
        .filter((v, i): v is string => v !== null && keys[i] !== own)
        .map((v) => JSON.parse(v) as Stored);
    } catch (err) {
      this.log.debug({ err }, 'snapshots not read');
      return [];
    }
  }
}
