import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../database/prisma.service';
import { diffGates, type GatesDiff } from '../gate-diff';
import { emptyGates, FeatureState, FlagGates } from '../gates';

/** One committed change: the store version it made, the flag before and after it, the diff. */
export interface CommittedChange {
  version: bigint;
  before: FeatureState;
  after: FeatureState;
  diff: GatesDiff;
}

/**
 * Flipper-style rows: one per gate value (`actors` → one row per actor). A change writes only the
 * rows it changes: adding or removing one actor inserts or deletes one row, whatever the flag
 * holds (it used to delete and re-insert every row of the flag: seconds at thousands of actors).
 */
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
   * Read-modify-write of one flag in a transaction. The version row is bumped (so locked) first:
   * concurrent changes, from this process or any other, serialize on it, and each gets the
   * version it made. `known(v)` is the caller's copy of the flag when it is at store version `v`
   * (the one just before this change), so the flag's rows need not be read; without one they are.
   * `inTx` (the audit record) commits with the change. Only the rows of the lists' diff are
   * written (gate-diff.ts: one walk of each list, no Set of 10,000 actors).
   */
  async update(
    name: string,
    change: (before: FeatureState) => FlagGates,
    known: (version: bigint) => FeatureState | undefined,
    inTx: (
      tx: Prisma.TransactionClient,
      before: FeatureState,
      after: FeatureState,
    ) => Promise<void>,
  ): Promise<CommittedChange> {
    const batch = await this.updateBatch(name, [change], known, (tx, steps) =>
      inTx(tx, steps[0].before, steps[0].after),
    );
    const step = batch.steps[0];
    if ('error' in step) throw step.error;
    return {
      version: batch.version,
      ...step,
      diff: diffGates(step.before.gates, step.after.gates),
    };
  }

  /**
   * Several changes of one flag, in order, in one transaction (one version bump, one lock, the
   * rows of their combined diff): a write queued behind others commits with them instead of
   * waiting for a transaction each (group commit). A change that throws is left out, with its
   * error, and the next one applies to the state before it; when every change throws nothing is
   * written. `inTx` gets each applied change's own before and after (one audit event each).
   */
  async updateBatch(
    name: string,
    changes: ReadonlyArray<(before: FeatureState) => FlagGates>,
    known: (version: bigint) => FeatureState | undefined,
    inTx: (tx: Prisma.TransactionClient, steps: AppliedStep[]) => Promise<void>,
  ): Promise<{ version: bigint; steps: BatchStep[]; after: FeatureState }> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const version = await bump(tx);
        const first = known(version - 1n) ?? (await readFlag(tx, name));
        const steps = applySteps(name, first, changes);
        const applied = steps.filter((s): s is AppliedStep => !('error' in s));
        if (applied.length === 0) throw new NothingApplied(steps);
        const after = applied[applied.length - 1].after;
        if (!first.persisted) {
          await tx.feature.upsert({ where: { key: name }, create: { key: name }, update: {} });
        }
        await writeDelta(tx, name, first.gates, after.gates, diffGates(first.gates, after.gates));
        await inTx(tx, applied);
        return { version, steps, after };
      });
    } catch (err) {
      if (!(err instanceof NothingApplied)) throw err;
      return { version: -1n, steps: err.steps, after: err.steps[0].before };
    }
  }

  async remove(
    name: string,
    inTx: (tx: Prisma.TransactionClient) => Promise<void>,
  ): Promise<{ version: bigint }> {
    return this.prisma.$transaction(async (tx) => {
      const version = await bump(tx);
      await tx.featureGate.deleteMany({ where: { featureKey: name } });
      await tx.feature.deleteMany({ where: { key: name } });
      await inTx(tx);
      return { version };
    });
  }
}

export type AppliedStep = { before: FeatureState; after: FeatureState };
export type BatchStep = AppliedStep | { before: FeatureState; error: unknown };

/** Every change of a batch threw: the transaction rolls back, each caller gets its error. */
class NothingApplied extends Error {
  constructor(readonly steps: BatchStep[]) {
    super('no change of the batch applied');
  }
}

function applySteps(
  name: string,
  first: FeatureState,
  changes: ReadonlyArray<(before: FeatureState) => FlagGates>,
): BatchStep[] {
  const steps: BatchStep[] = [];
  let current = first;
  for (const change of changes) {
    try {
      const after: FeatureState = { name, persisted: true, gates: change(current) };
      steps.push({ before: current, after });
      current = after;
    } catch (error) {
      steps.push({ before: current, error });
    }
  }
  return steps;
}

/** Increments the store version (taking its row lock until commit) and returns the new one. */
async function bump(tx: Prisma.TransactionClient): Promise<bigint> {
  const row = await tx.flagStoreVersion.upsert({
    where: { id: 1 },
    create: { id: 1, version: 1n },
    update: { version: { increment: 1 } },
  });
  return row.version;
}

async function readFlag(tx: Prisma.TransactionClient, name: string): Promise<FeatureState> {
  const existing = await tx.feature.findUnique({ where: { key: name } });
  const state: FeatureState = { name, persisted: existing !== null, gates: emptyGates() };
  for (const g of await tx.featureGate.findMany({ where: { featureKey: name } }))
    addGate(state.gates, g.key, g.value);
  return state;
}

type GateRow = { featureKey: string; key: string; value: string };

/** Single-valued gates as rows: boolean and the two percentages (absent when off). */
function scalarRows(name: string, g: FlagGates): GateRow[] {
  const rows: GateRow[] = [];
  if (g.boolean) rows.push({ featureKey: name, key: 'boolean', value: 'true' });
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

/** Deletes the rows `before` has and `after` has not, inserts the reverse; nothing else. */
async function writeDelta(
  tx: Prisma.TransactionClient,
  name: string,
  before: FlagGates,
  after: FlagGates,
  diff: GatesDiff,
): Promise<void> {
  const same = (a: GateRow, b: GateRow) => a.key === b.key && a.value === b.value;
  const oldScalars = scalarRows(name, before);
  const newScalars = scalarRows(name, after);
  const gone: Array<{ key: string; values: string[]; all: boolean }> = [];
  for (const r of oldScalars) {
    if (!newScalars.some((n) => same(n, r)))
      gone.push({ key: r.key, values: [r.value], all: true });
  }
  const added = newScalars.filter((n) => !oldScalars.some((r) => same(n, r)));
  for (const [key, was, { removed, added: gained }] of [
    ['actors', before.actors, diff.actors],
    ['groups', before.featureGroups, diff.featureGroups],
  ] as const) {
    // every value of the gate goes (a boolean off clears all): no list of values to send
    if (removed.length > 0) gone.push({ key, values: removed, all: removed.length === was.length });
    for (const value of gained) added.push({ featureKey: name, key, value });
  }
  for (const g of gone) {
    await tx.featureGate.deleteMany({
      where: g.all
        ? { featureKey: name, key: g.key }
        : { featureKey: name, key: g.key, value: { in: g.values } },
    });
  }
  if (added.length > 0) await tx.featureGate.createMany({ data: added, skipDuplicates: true });
}

function addGate(g: FlagGates, key: string, value: string): void {
  if (key === 'boolean') g.boolean = value === 'true';
  else if (key === 'actors') g.actors.push(value);
  else if (key === 'groups') g.featureGroups.push(value);
  else if (key === 'percentage_of_actors') g.percentageOfActors = Number(value);
  else if (key === 'percentage_of_time') g.percentageOfTime = Number(value);
}
