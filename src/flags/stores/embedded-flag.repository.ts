import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../database/prisma.service';
import { emptyGates, FeatureState, FlagGates } from '../gates';

/** Flipper-style rows: one per gate value (`actors` → one row per actor). */
@Injectable()
export class EmbeddedFlagRepository {
  constructor(private readonly prisma: PrismaService) {}

  async version(): Promise<bigint> {
    const row = await this.prisma.flagStoreVersion.findUnique({ where: { id: 1 } });
    return row?.version ?? 0n;
  }

  async loadAll(): Promise<{ version: bigint; states: FeatureState[] }> {
    return this.prisma.$transaction(async (tx) => {
      const version = (await tx.flagStoreVersion.findUnique({ where: { id: 1 } }))?.version ?? 0n;
      const features = await tx.feature.findMany();
      const gates = await tx.featureGate.findMany();
      const byName = new Map<string, FeatureState>();
      for (const f of features)
        byName.set(f.key, { name: f.key, persisted: true, gates: emptyGates() });
      for (const g of gates) {
        const s = byName.get(g.featureKey);
        if (s) addGate(s.gates, g.key, g.value);
      }
      return { version, states: [...byName.values()] };
    });
  }

  /**
   * Read-modify-write of one flag in a transaction: the version row is locked first, so two
   * concurrent changes serialize; `inTx` (the audit record) commits with the change.
   */
  async update(
    name: string,
    change: (before: FeatureState) => FlagGates,
    inTx: (
      tx: Prisma.TransactionClient,
      before: FeatureState,
      after: FeatureState,
    ) => Promise<void>,
  ): Promise<FeatureState> {
    return this.prisma.$transaction(async (tx) => {
      await bump(tx);
      const existing = await tx.feature.findUnique({ where: { key: name } });
      const before: FeatureState = { name, persisted: existing !== null, gates: emptyGates() };
      for (const g of await tx.featureGate.findMany({ where: { featureKey: name } }))
        addGate(before.gates, g.key, g.value);
      const gates = change(before);
      await tx.feature.upsert({ where: { key: name }, create: { key: name }, update: {} });
      await tx.featureGate.deleteMany({ where: { featureKey: name } });
      const rows = gateRows(name, gates);
      if (rows.length > 0) await tx.featureGate.createMany({ data: rows });
      const after: FeatureState = { name, persisted: true, gates };
      await inTx(tx, before, after);
      return after;
    });
  }

  async remove(name: string, inTx: (tx: Prisma.TransactionClient) => Promise<void>): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.featureGate.deleteMany({ where: { featureKey: name } });
      await tx.feature.deleteMany({ where: { key: name } });
      await bump(tx);
      await inTx(tx);
    });
  }
}

async function bump(tx: Prisma.TransactionClient): Promise<void> {
  await tx.flagStoreVersion.upsert({
    where: { id: 1 },
    create: { id: 1, version: 1n },
    update: { version: { increment: 1 } },
  });
}

function gateRows(name: string, g: FlagGates) {
  const rows: Array<{ featureKey: string; key: string; value: string }> = [];
  if (g.boolean) rows.push({ featureKey: name, key: 'boolean', value: 'true' });
  for (const a of g.actors) rows.push({ featureKey: name, key: 'actors', value: a });
  for (const fg of g.featureGroups) rows.push({ featureKey: name, key: 'groups', value: fg });
  if (g.percentageOfActors > 0)
    rows.push({
      featureKey: name,
      key: 'percentage_of_actors',
      value: String(g.percentageOfActors),
    });
  if (g.percentageOfTime > 0)
    rows.push({ featureKey: name, key: 'percentage_of_time', value: String(g.percentageOfTime) });
  return rows;
}

function addGate(g: FlagGates, key: string, value: string): void {
  if (key === 'boolean') g.boolean = value === 'true';
  else if (key === 'actors') g.actors.push(value);
  else if (key === 'groups') g.featureGroups.push(value);
  else if (key === 'percentage_of_actors') g.percentageOfActors = Number(value);
  else if (key === 'percentage_of_time') g.percentageOfTime = Number(value);
}
