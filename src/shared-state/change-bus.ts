import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  ChangeBus,
  ChangeHandler,
  ChangeMessages,
  ChangeTopic,
} from '../common/fleet/change-bus';
import type { RedisConnection } from './redis-connection';

export function newOrigin(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

interface Envelope {
  origin: string;
  topic: ChangeTopic;
  data: unknown;
}

class Handlers {
  private readonly byTopic = new Map<ChangeTopic, Array<ChangeHandler<ChangeTopic>>>();

  add<T extends ChangeTopic>(topic: T, handler: ChangeHandler<T>): void {
    const list = this.byTopic.get(topic) ?? [];
    list.push(handler as ChangeHandler<ChangeTopic>);
    this.byTopic.set(topic, list);
  }

  deliver(topic: ChangeTopic, data: unknown, origin: string, log: Logger): void {
    for (const h of this.byTopic.get(topic) ?? []) {
      try {
        h(data as ChangeMessages[ChangeTopic] | undefined, origin);
      } catch (err) {
        log.error({ err, topic }, 'change handler failed');
      }
    }
  }

  topics(): ChangeTopic[] {
    return [...this.byTopic.keys()];
  }
}

/** One process, no shared state: nothing to tell anyone. */
export class LocalChangeBus implements ChangeBus {
  readonly origin = newOrigin();
  publish(): void {}
  subscribe(): void {}
}

/**
 * Redis pub/sub on one channel (`<prefix>changes`). Messages are JSON envelopes naming the origin
 * process; a process ignores its own. After the subscriber reconnects, every handler is called
 * with `undefined` (messages sent during the outage are lost: re-read everything). Until
 * `start()` (the application has booted and loaded its state) nothing is delivered; anything that
 * arrived before becomes one such re-read.
 */
export class RedisChangeBus implements ChangeBus {
  readonly origin = newOrigin();
  private readonly handlers = new Handlers();
  private readonly channel: string;
  private connectedBefore = false;
  private started = false;
  private missed = false;

  constructor(
    private readonly redis: RedisConnection,
    keyPrefix: string,
    private readonly log: Logger,
  ) {
    this.channel = `${keyPrefix}changes`;
    this.connectedBefore = redis.isUp;
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    redis.subscriber.subscribe(this.channel).catch(() => undefined);
    redis.onChange((up) => {
      if (!up) return;
      if (this.connectedBefore) this.resync();
      this.connectedBefore = true;
    });
  }

  start(): void {
    this.started = true;
    if (this.missed) this.resync();
  }

  publish<T extends ChangeTopic>(topic: T, data: ChangeMessages[T]): void {
    if (!this.redis.isUp) return;
    const envelope: Envelope = { origin: this.origin, topic, data };
    this.redis.client.publish(this.channel, JSON.stringify(envelope)).catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message, topic }, 'change notification not sent');
    });
  }

  subscribe<T extends ChangeTopic>(topic: T, handler: ChangeHandler<T>): void {
    this.handlers.add(topic, handler);
  }

  private receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      this.log.warn('ignored a change notification that is not JSON');
      return;
    }
    if (envelope.origin === this.origin) return;
    if (!this.started) {
      this.missed = true;
      return;
    }
    this.handlers.deliver(envelope.topic, envelope.data, envelope.origin, this.log);
  }

  private resync(): void {
    this.missed = !this.started;
    if (this.missed) return;
    this.log.info('change notifications resumed: re-reading what may have changed meanwhile');
    for (const topic of this.handlers.topics()) {
      this.handlers.deliver(topic, undefined, this.origin, this.log);
    }
  }
}
