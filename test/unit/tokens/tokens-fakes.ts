import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AuditEntry, AuditRepository } from '../../../src/audit/audit.repository';
import { useProcessLogger } from '../../../src/common/logging/logger';
import { loadAppConfig, type AppConfig } from '../../../src/config/app-config';
import type { Prisma } from '../../../src/generated/prisma/client';
import { SigningKeyService } from '../../../src/tokens/signing-key.service';
import type {
  NewSigningKey,
  SigningKeyRecord,
  SigningKeysRepository,
} from '../../../src/tokens/signing-keys.repository';
import type { TokensTuning } from '../../../src/tokens/tokens.tokens';

export const SECRET = 'unit-test-signing-key-secret-0123456789';
export const OTHER_SECRET = 'another-signing-key-secret-9876543210xyz';
export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function quietLogs(): void {
  useProcessLogger('silent');
}

export function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  return loadAppConfig({
    PUBLIC_URL: 'http://switchboard.test',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'sb-tokens-')),
    SIGNING_KEY_SECRET: SECRET,
    ...env,
  });
}

/** A settable clock (epoch ms). */
export class TestClock {
  constructor(public ms = T0) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** SigningKeysRepository in memory, with the same semantics (shared by "instances"). */
export class InMemorySigningKeys {
  rows: SigningKeyRecord[] = [];

  async findAll(): Promise<SigningKeyRecord[]> {
    return [...this.rows]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.kid.localeCompare(b.kid))
      .map((r) => ({ ...r, publicJwk: { ...r.publicJwk } }));
  }

  async insertIfNoneActive(key: NewSigningKey): Promise<boolean> {
    if (this.rows.some((r) => notRetiredAt(r, key.createdAt))) return false;
    this.rows.push({ ...key, retiredAt: null });
    return true;
  }

  async rotate(
    key: NewSigningKey,
    retireAt: Date,
    inTx: (tx: Prisma.TransactionClient, retired: SigningKeyRecord[]) => Promise<void>,
  ): Promise<SigningKeyRecord[]> {
    const retired = (await this.findAll()).filter((r) => notRetiredAt(r, retireAt));
    for (const r of this.rows) if (notRetiredAt(r, retireAt)) r.retiredAt = retireAt;
    this.rows.push({ ...key, retiredAt: null });
    const after = retired.map((r) => ({ ...r, retiredAt: retireAt }));
    await inTx({} as Prisma.TransactionClient, after);
    return after;
  }

  async deleteRetiredBefore(cutoff: Date): Promise<number> {
    const before = this.rows.length;
    this.rows = this.rows.filter((r) => !r.retiredAt || r.retiredAt >= cutoff);
    return before - this.rows.length;
  }
}

function notRetiredAt(r: SigningKeyRecord, at: Date): boolean {
  return r.retiredAt === null || r.retiredAt > at;
}

export class RecordingAudit {
  entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}

export interface ServiceParts {
  config?: AppConfig;
  repo?: InMemorySigningKeys;
  audit?: RecordingAudit;
  tuning?: Partial<TokensTuning>;
}

/** A SigningKeyService over fakes; call `onModuleInit()` to start it. */
export function signingKeyService(parts: ServiceParts = {}) {
  const config = parts.config ?? testConfig();
  const repo = parts.repo ?? new InMemorySigningKeys();
  const audit = parts.audit ?? new RecordingAudit();
  const service = new SigningKeyService(
    config,
    repo as unknown as SigningKeysRepository,
    audit as unknown as AuditRepository,
    parts.tuning,
  );
  return { service, config, repo, audit };
}
