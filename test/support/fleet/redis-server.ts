/** A throw-away redis-server (Debian package) on a free loopback port, no persistence. */
import * as fs from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from '../../../src/common/net/free-port';
import { Child, waitFor } from './processes';

const REDIS_SERVER = fs.existsSync('/usr/bin/redis-server')
  ? '/usr/bin/redis-server'
  : 'redis-server';

export class RedisServer {
  private child?: Child;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** (Re)starts the server on the same port: empty, as after a crash without persistence. */
  async resume(): Promise<void> {
    this.child = new Child(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {},
    );
    await waitFor('redis-server', async () => ((await this.ping()) ? true : undefined), 20_000);
  }

  /** SIGSTOP / SIGCONT: Redis hung, its connections open but silent. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.child?.running && this.child.proc.pid) process.kill(this.child.proc.pid, sig);
  }

  async stop(): Promise<void> {
    this.signal('SIGCONT');
    await this.child?.stop();
  }

  private async ping(): Promise<boolean> {
    const c = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      c.disconnect();
    }
  }
}
