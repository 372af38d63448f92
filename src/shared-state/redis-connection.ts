import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Two ioredis connections to the fleet's Redis: one for commands (rate limits, publish) and one
 * that only subscribes (a subscribed connection cannot run other commands).
 *
 * Redis must never hold a completion up: commands are not queued while disconnected
 * (enableOfflineQueue: false) and time out after COMMAND_TIMEOUT_MS, so callers fall back to
 * per-process state at once. ioredis reconnects by itself (every second at most), which is the
 * recovery when Redis returns. State changes are logged once each, not per failed command.
 */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 1000;

export type SharedStateListener = (up: boolean) => void;

export class RedisConnection {
  readonly client: Redis;
  readonly subscriber: Redis;
  /** undefined until the first connection attempt ends, so a start without Redis is logged. */
  private up: boolean | undefined;
  private everUp = false;
  private readonly listeners: SharedStateListener[] = [];

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    const options: RedisOptions = {
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    };
    this.client = new Redis(url, {
      ...options,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectionName: 'switchboard',
    });
    // The subscriber queues its SUBSCRIBE until connected; ioredis re-subscribes on reconnect.
    this.subscriber = new Redis(url, { ...options, connectionName: 'switchboard-sub' });
    for (const c of [this.client, this.subscriber]) {
      c.on('ready', () => this.update());
      c.on('close', () => this.update());
      c.on('end', () => this.update());
      // Every failure also closes the connection (reported by update()); this keeps ioredis
      // from printing each reconnect error itself.
      c.on('error', () => undefined);
    }
  }

  /** Both connections ready: fleet-wide limits and notifications work. */
  get isUp(): boolean {
    return this.up === true;
  }

  /**
   * A command failed or timed out on a connection that looks ready (Redis hung, or the network
   * dropped packets without a reset): reconnect, so later calls fall back at once instead of each
   * waiting for the timeout, and the outage shows in readiness.
   */
  reportFailure(): void {
    if (this.client.status === 'ready') this.client.disconnect(true);
  }

  onChange(listener: SharedStateListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.all(
      [this.client, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())),
    );
  }

  private update(): void {
    const up = this.client.status === 'ready' && this.subscriber.status === 'ready';
    if (up === this.up) return;
    const connecting = (s: string) => s === 'connecting' || s === 'connect' || s === 'wait';
    // At start, one connection being ready before the other is not an outage.
    if (
      this.up === undefined &&
      (connecting(this.client.status) || connecting(this.subscriber.status))
    )
      return;
    this.up = up;
    if (up) {
      this.log.info(
        { recovered: this.everUp },
        'shared state (Redis) reachable: rate limits are fleet-wide, changes reach every process',
      );
      this.everUp = true;
    } else {
      this.log.warn(
        'shared state (Redis) unreachable: rate limits count per process, changes reach other processes by polling until it returns',
      );
    }
    for (const l of this.listeners) l(up);
  }
}
