// First-start data is written in one transaction: a failure half-way leaves the database empty
// (so the next start tries again and prints its tokens), and two instances racing on an empty
// database create one root, not an error.
import { PrismaService } from '../../../src/database/prisma.service';
import { InitialDataRepository } from '../../../src/provisioning/initial-data.repository';
import { InitialDataService } from '../../../src/provisioning/initial-data.service';
import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';

jest.setTimeout(60_000);

describe.each(BACKENDS)('initial data (%s)', (backend) => {
  let app: TestApp;
  let prisma: PrismaService;
  const counts = async () => ({
    users: await prisma.user.count(),
    tokens: await prisma.personalAccessToken.count(),
    groups: await prisma.group.count(),
    audit: await prisma.auditEvent.count(),
  });

  beforeAll(async () => {
    // An empty database: no INITIAL_ROOT_TOKEN, no demo data at boot.
    app = await startTestApp({ backend, env: { INITIAL_ROOT_TOKEN: '', DEMO_DATA: 'never' } });
    prisma = app.running.app.get(PrismaService);
  });
  afterAll(() => app?.close());

  it('demo data: a failure half-way writes nothing; a retry writes all of it', async () => {
    const before = await counts();
    expect(before).toMatchObject({ users: 0, tokens: 0, groups: 0 });
    // A row in the way of the demo group makes the 5th insert fail.
    const blocker = await prisma.group.create({
      data: { name: 'x', path: 'demo-group', fullPath: 'demo-group', parentId: null },
    });
    const service = app.running.app.get(InitialDataService);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(service.createDemoData()).rejects.toThrow();
      expect(await counts()).toEqual({ users: 0, tokens: 0, groups: 1, audit: before.audit });
      expect(out).not.toHaveBeenCalled();
      await prisma.group.delete({ where: { id: blocker.id } });
      await service.createDemoData();
      const after = await counts();
      expect(after).toMatchObject({ users: 2, tokens: 2, groups: 1 });
      // user, token ×2 each, group, member, project, purchase, seat: as the admin API records.
      expect(after.audit - before.audit).toBe(9);
      expect(String(out.mock.calls[0]?.[0])).toContain('DEMO DATA');
    } finally {
      out.mockRestore();
    }
    await prisma.$executeRawUnsafe('TRUNCATE users, namespaces RESTART IDENTITY CASCADE');
  });

  it('root from INITIAL_ROOT_TOKEN: concurrent starts create one root, both succeed', async () => {
    const repo = app.running.app.get(InitialDataRepository);
    const secret = 'root-token-for-a-race-0123456789';
    const results = await Promise.all([repo.createRoot(secret), repo.createRoot(secret)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await counts()).toMatchObject({ users: 1, tokens: 1 });
    const me = await app.api.call('GET', '/api/v4/user', { token: secret });
    expect(me).toMatchObject({ status: 200, body: { username: 'root', is_admin: true } });
  });
});
