import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  IdentitySnapshots,
  SharedSnapshot,
  SnapshotKind,
} from '../common/fleet/identity-snapshots';
import type { RedisConnection } from './redis-connection';

/** Pending change marks kept while Redis is away (one per user; beyond this the oldest go). */
const MAX_PENDING_CHANGES = 10_000;
/** How far apart the fleet's clocks may be when a reader checks a snapshot's signed read time. */
const CLOCK_SKEW_MS = 10_000;

/*
 * Times are Redis's own (TIME), so writers and readers on different machines agree on them: a
 * snapshot records when its database read began (Redis now minus the writer's elapsed time), a
 * change mark when the change was recorded (after its commit). A snapshot whose read began at or
 * before its user's last change mark was read before the change may have been committed: refused.
 * The mark outlives every snapshot it could refuse (both live the staleness window).
 * The change mark's key is built in the script: one Redis, not a cluster.
 */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] snapshot; ARGV json, user id, ms since the read began, ttl ms, read wall time, mac. */
const PUT = `${NOW_MS}
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'u', ARGV[2], 'at', now - tonumber(ARGV[3]),
  'w', ARGV[5], 's', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

/** KEYS[1] snapshot; ARGV[1] the change marks' key prefix. {json, age ms, user, wall, mac}. */
const GET = `${NOW_MS}
local s = redis.call('HMGET', KEYS[1], 'v', 'u', 'at', 'w', 's')
if not s[1] then return nil end
local changed = redis.call('GET', ARGV[1] .. s[2])
if changed and tonumber(changed) >= tonumber(s[3]) then return nil end
return {s[1], now - tonumber(s[3]), s[2], s[4], s[5]}`;

/** KEYS[1] change mark; ARGV[1] ttl ms. */
const MARK = `${NOW_MS}
redis.call('SET', KEYS[1], now, 'PX', ARGV[1])
return 1`;

type Found = [json: string, ageMs: number, userId: string, readAt: string, mac: string];

interface SnapshotCommands {
  identityPut(
    key: string,
    json: string,
    userId: number,
    elapsed: number,
    ttl: number,
    readAt: number,
    mac: string,
  ): Promise<1>;
  identityGet(key: string, markPrefix: string): Promise<Found | null>;
  identityMark(key: string, ttl: number): Promise<1>;
}

/**
 * Identity snapshots in Redis: `<prefix>idn:<kind>:<key>` hashes (json, user, read time) that
 * expire DEGRADED_MAX_STALENESS_MS after their read, and `<prefix>idn:chg:<user>` change marks.
 * A change that could not be marked (Redis away) is marked when Redis is back. Each snapshot is
 * signed (HMAC with a key derived from the signing-key secret every process shares), with the
 * writer's wall time of the read: one who can write to Redis cannot make up an identity, nor
 * make an old one serve past the window.
 */
export class RedisIdentitySnapshots implements IdentitySnapshots {
  private readonly commands: SnapshotCommands;
  private readonly pending = new Set<number>();
  private macKey: Buffer | undefined;

  /** `secret`: the fleet's shared secret, read on first use (after start-up checks). */
  constructor(
    private readonly connection: RedisConnection,
    private readonly keyPrefix: string,
    private readonly stalenessMs: number,
    private readonly log: Logger,
    private readonly secret: () => string,
  ) {
    const client = connection.client;
    client.defineCommand('identityPut', { numberOfKeys: 1, lua: PUT });
    client.defineCommand('identityGet', { numberOfKeys: 1, lua: GET });
    client.defineCommand('identityMark', { numberOfKeys: 1, lua: MARK });
    this.commands = client as unknown as SnapshotCommands;
    connection.onChange((up) => {
      if (up) this.flushPending();
    });
  }

  async get(kind: SnapshotKind, key: string): Promise<SharedSnapshot | undefined> {
    if (this.stalenessMs <= 0 || !this.connection.isUp) return undefined;
    try {
      const full = this.key(kind, key);
      const found = await this.commands.identityGet(full, this.markPrefix);
      if (!found) return undefined;
      const [json, ageMs, userId, readAt, mac] = found;
      const expected = this.mac(full, userId, readAt, json);
      const given = Buffer.from(mac ?? '', 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        this.log.warn({ kind }, 'identity snapshot with a wrong signature ignored');
        return undefined;
      }
      if (Date.now() - Number(readAt) >= this.stalenessMs + CLOCK_SKEW_MS) return undefined;
      return { json, ageMs: Number(ageMs) };
    } catch (err) {
      this.log.debug({ err }, 'identity snapshot not read');
      this.connection.reportFailure();
      return undefined;
    }
  }

  put(kind: SnapshotKind, key: string, userId: number, json: string, readStartedAt: number): void {
    const elapsed = Math.max(0, Math.round(performance.now() - readStartedAt));
    const ttl = this.stalenessMs - elapsed;
    if (ttl <= 0 || !this.connection.isUp) return;
    const full = this.key(kind, key);
    const readAt = Date.now() - elapsed;
    const mac = this.mac(full, String(userId), String(readAt), json).toString('hex');
    this.commands
      .identityPut(full, json, userId, elapsed, ttl, readAt, mac)
      .catch((err: unknown) => this.log.debug({ err }, 'identity snapshot not written'));
  }

  userChanged(userId: number): void {
    if (this.stalenessMs <= 0) return;
    this.pending.delete(userId);
    this.pending.add(userId);
    if (this.pending.size > MAX_PENDING_CHANGES) {
      const oldest = this.pending.values().next();
      if (!oldest.done) this.pending.delete(oldest.value);
    }
    this.flushPending();
  }

  private flushPending(): void {
    if (!this.connection.isUp) return;
    for (const userId of [...this.pending]) {
      this.commands.identityMark(this.markPrefix + userId, this.stalenessMs).then(
        () => this.pending.delete(userId),
        (err: unknown) => this.log.warn({ err, userId }, 'identity change not marked; will retry'),
      );
    }
  }

  private mac(key: string, userId: string, readAt: string, json: string): Buffer {
    this.macKey ??= createHmac('sha256', this.secret()).update('identity snapshots').digest();
    return createHmac('sha256', this.macKey)
      .update(`${key}\n${userId}\n${readAt}\n${json}`)
      .digest();
  }

  private key(kind: SnapshotKind, key: string): string {
    return `${this.keyPrefix}idn:${kind}:${key}`;
  }

  private get markPrefix(): string {
    return `${this.keyPrefix}idn:chg:`;
  }
}
