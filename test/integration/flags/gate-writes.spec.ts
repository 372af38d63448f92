import { PrismaService } from '../../../src/database/prisma.service';
import { EmbeddedFlagRepository } from '../../../src/flags/stores/embedded-flag.repository';
import type { FlagGates } from '../../../src/flags/gates';
import { FLAG_STORE, type FlagStore } from '../../../src/flags/stores/flag-store';
import { Factory } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';

jest.setTimeout(120_000);

const FLAG = 'code_completion_model_codestral_2508_vertex';
const SEEDED = 10_000;
const OLD = new Date('2001-01-01T00:00:00Z');
const WRITERS = 8;
const PER_WRITER = 4;

/**
 * Actor-gate writes cost the change, not the flag (issue #27): on a flag with 10,000 actors,
 * adding or removing actors leaves every other row as it was (a delete-and-reinsert would give
 * them a new created_at), and concurrent writers lose nothing, whether they write through this
 * process's store (HTTP, the Features API) or as another instance would (the repository without
 * a snapshot to go by).
 */
describe.each(BACKENDS)('actor-gate writes (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;
  let prisma: PrismaService;
  let repo: EmbeddedFlagRepository;
  let store: FlagStore;
  const admin = () => ({ token: app.rootToken });
  const seeded = Array.from({ length: SEEDED }, (_, i) => `User:${1_000_000 + i}`);

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
    prisma = app.running.app.get(PrismaService);
    repo = app.running.app.get(EmbeddedFlagRepository);
    store = app.running.app.get(FLAG_STORE);
    await prisma.feature.create({ data: { key: FLAG } });
    await prisma.featureGate.createMany({
      data: seeded.map((value) => ({ featureKey: FLAG, key: 'actors', value, createdAt: OLD })),
    });
    // the store learns of the seeded rows as of any other instance's change: a version bump
    await prisma.flagStoreVersion.upsert({
      where: { id: 1 },
      create: { id: 1, version: 1n },
      update: { version: { increment: 1 } },
    });
    await waitFor(() => store.state(FLAG).gates.actors.length === SEEDED);
  });
  afterAll(() => app?.close());

  const actorRows = () =>
    prisma.featureGate.findMany({ where: { featureKey: FLAG, key: 'actors' } });

  it('concurrent writers each adding distinct actors: every one is there, no other row rewritten', async () => {
    const users = await Promise.all(Array.from({ length: WRITERS * PER_WRITER }, () => f.user()));
    const viaApi = Array.from({ length: WRITERS / 2 }, (_, w) =>
      (async () => {
        for (let i = 0; i < PER_WRITER; i++) {
          const u = users[w * PER_WRITER + i];
          const r = await app.api.call('POST', `/api/v4/features/${FLAG}`, {
            ...admin(),
            body: { value: true, user: u.username },
          });
          expect(r.status).toBe(201);
        }
      })(),
    );
    // as another instance writes: no snapshot to go by, the flag's rows are read in the change
    const asOtherInstance = Array.from({ length: WRITERS / 2 }, (_, w) =>
      (async () => {
        for (let i = 0; i < PER_WRITER; i++) {
          const u = users[(WRITERS / 2 + w) * PER_WRITER + i];
          await repo.update(
            FLAG,
            (before) => ({ ...before.gates, actors: [...before.gates.actors, `User:${u.id}`] }),
            () => undefined,
            async () => undefined,
          );
        }
      })(),
    );
    await Promise.all([...viaApi, ...asOtherInstance]);

    const rows = await actorRows();
    const values = new Set(rows.map((r) => r.value));
    expect(rows).toHaveLength(SEEDED + users.length);
    for (const u of users) expect(values.has(`User:${u.id}`)).toBe(true);
    for (const s of seeded) expect(values.has(s)).toBe(true);
    // the seeded rows were never deleted and re-inserted
    expect(rows.filter((r) => r.createdAt.getTime() === OLD.getTime())).toHaveLength(SEEDED);
    // and this process serves all of them (it catches up on the other "instance's" writes)
    await waitFor(() => store.state(FLAG).gates.actors.length === SEEDED + users.length);
    const served = await app.api.call('GET', `/api/v4/features/${FLAG}`, admin());
    const gate = served.body.gates.find((g: { key: string }) => g.key === 'actors');
    expect(new Set(gate.value)).toEqual(values);
  });

  it('removing one actor deletes one row; the audit records the change, not the whole list', async () => {
    const u = await f.user();
    await f.setFlag(FLAG, { value: true, user: u.username });
    const before = await actorRows();
    await f.setFlag(FLAG, { value: false, user: u.username });
    const after = await actorRows();
    expect(after).toHaveLength(before.length - 1);
    expect(after.some((r) => r.value === `User:${u.id}`)).toBe(false);
    expect(after.filter((r) => r.createdAt.getTime() === OLD.getTime())).toHaveLength(SEEDED);

    const audit = await app.api.call(
      'GET',
      `/api/v4/audit_events?entity_type=FeatureFlag&entity_id=${FLAG}`,
      admin(),
    );
    expect(audit.body[0].details).toMatchObject({
      before: {
        actor_count: before.length,
        gates: expect.arrayContaining([{ key: 'actors', value: [`User:${u.id}`] }]),
      },
      after: { actor_count: after.length },
    });
    expect(JSON.stringify(audit.body[0].details).length).toBeLessThan(2_000);
  });

  it('changes queued behind one in flight commit together: each acknowledged and audited on its own, a refused one alone refused', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => f.user()));
    const events = () => prisma.auditEvent.count({ where: { targetId: FLAG } });
    const eventsBefore = await events();
    const versionBefore = await repo.version();
    const root = { id: null, name: 'gate-writes spec' } as unknown as Parameters<
      FlagStore['update']
    >[2];
    const add = (actor: string) => (g: FlagGates) => ({ ...g, actors: [...g.actors, actor] });
    const writes = users.map((u, i) =>
      store.update(
        FLAG,
        i === 3
          ? () => {
              throw new Error('refused');
            }
          : add(`User:${u.id}`),
        root,
      ),
    );
    const results = await Promise.allSettled(writes);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    // each caller sees the flag as its own change left it
    const counts = results.map((r) =>
      r.status === 'fulfilled' ? r.value.gates.actors.length : -1,
    );
    for (let i = 1; i < counts.length; i++)
      if (counts[i] > 0 && counts[i - 1] > 0) expect(counts[i]).toBe(counts[i - 1] + 1);
    const values = new Set((await actorRows()).map((r) => r.value));
    users.forEach((u, i) => expect(values.has(`User:${u.id}`)).toBe(i !== 3));
    expect(await events()).toBe(eventsBefore + 5);
    // fewer transactions than changes: the ones queued behind the first went in one
    expect((await repo.version()) - versionBefore).toBeLessThan(5n);
    for (const u of users) await f.setFlag(FLAG, { value: false, user: u.username });
  });

  it('a boolean off clears every gate row, and the flag evaluates off', async () => {
    await f.setFlag(FLAG, { value: false });
    expect(await prisma.featureGate.count({ where: { featureKey: FLAG } })).toBe(0);
    await waitFor(() => store.state(FLAG).gates.actors.length === 0);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
