import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import type { PublicSigningJwk } from './rsa-key.util';

export interface SigningKeyRecord {
  kid: string;
  publicJwk: PublicSigningJwk;
  /** AES-256-GCM ciphertext (see signing-key.cipher.ts), never the key itself. */
  privateKeyEnc: string;
  createdAt: Date;
  retiredAt: Date | null;
}

export type NewSigningKey = Omit<SigningKeyRecord, 'retiredAt'>;

/**
 * Writers take a table lock that only conflicts with other writers (readers are not blocked), so
 * instances starting or rotating at the same moment cannot leave two keys active.
 */
const LOCK_WRITERS = Prisma.sql`LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`;

@Injectable()
export class SigningKeysRepository {
  constructor(private readonly prisma: PrismaService) {}

  async findAll(): Promise<SigningKeyRecord[]> {
    const rows = await this.prisma.signingKey.findMany({
      orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }],
    });
    return rows.map(toRecord);
  }

  /** Inserts `key` unless some key is not retired at `key.createdAt`. True when inserted. */
  async insertIfNoneActive(key: NewSigningKey): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw(LOCK_WRITERS);
      const active = await tx.signingKey.count({ where: notRetiredAt(key.createdAt) });
      if (active > 0) return false;
      await tx.signingKey.create({ data: toData(key) });
      return true;
    });
  }

  /**
   * Retires at `retireAt` every key not retired by then, inserts `key`, and runs `inTx` (the
   * audit record) in the same transaction. Returns the keys it retired, oldest first.
   */
  async rotate(
    key: NewSigningKey,
    retireAt: Date,
    inTx: (tx: Prisma.TransactionClient, retired: SigningKeyRecord[]) => Promise<void>,
  ): Promise<SigningKeyRecord[]> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw(LOCK_WRITERS);
      const where = notRetiredAt(retireAt);
      const active = await tx.signingKey.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }],
      });
      await tx.signingKey.updateMany({ where, data: { retiredAt: retireAt } });
      await tx.signingKey.create({ data: toData(key) });
      const retired = active.map((r) => ({ ...toRecord(r), retiredAt: retireAt }));
      await inTx(tx, retired);
      return retired;
    });
  }

  /** Deletes keys retired before `cutoff` (no longer published, no token of theirs still valid). */
  async deleteRetiredBefore(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.signingKey.deleteMany({
      where: { retiredAt: { lt: cutoff } },
    });
    return count;
  }
}

function notRetiredAt(at: Date): Prisma.SigningKeyWhereInput {
  return { OR: [{ retiredAt: null }, { retiredAt: { gt: at } }] };
}

type Row = Awaited<ReturnType<PrismaService['signingKey']['findMany']>>[number];

function toRecord(row: Row): SigningKeyRecord {
  return {
    kid: row.kid,
    publicJwk: row.publicJwk as unknown as PublicSigningJwk,
    privateKeyEnc: row.privateKeyEnc,
    createdAt: row.createdAt,
    retiredAt: row.retiredAt,
  };
}

function toData(key: NewSigningKey): Prisma.SigningKeyCreateInput {
  return {
    kid: key.kid,
    publicJwk: { ...key.publicJwk },
    privateKeyEnc: key.privateKeyEnc,
    createdAt: key.createdAt,
  };
}
