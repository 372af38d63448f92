// A change and its audit row commit together: when the audit write fails, the change is not
// there either (before, the group/token/seat stayed with no audit trail).
import { AuditRepository } from '../../../src/audit/audit.repository';
import { PrismaService } from '../../../src/database/prisma.service';
import { Factory } from '../../support/factories';
import { startTestApp, TestApp } from '../../support/test-app';
import { BACKENDS } from '../../support/test-database';

jest.setTimeout(60_000);

describe.each(BACKENDS)('writes and their audit rows are atomic (%s)', (backend) => {
  let app: TestApp;
  let f: Factory;
  let prisma: PrismaService;
  const admin = () => ({ token: app.rootToken });
  const failNextAudit = () =>
    jest
      .spyOn(app.running.app.get(AuditRepository), 'record')
      .mockRejectedValueOnce(new Error('audit store down'));

  beforeAll(async () => {
    app = await startTestApp({ backend });
    f = new Factory(app.api, app.rootToken);
    prisma = app.running.app.get(PrismaService);
  });
  afterAll(() => app?.close());
  afterEach(() => jest.restoreAllMocks());

  it('group, user, token: nothing written when the audit row fails', async () => {
    failNextAudit();
    const g = await app.api.call('POST', '/api/v4/groups', {
      ...admin(),
      body: { name: 'atomic', path: 'atomic-group' },
    });
    expect(g.status).toBe(500);
    expect(await prisma.group.count({ where: { path: 'atomic-group' } })).toBe(0);

    failNextAudit();
    const u = await app.api.call('POST', '/api/v4/users', {
      ...admin(),
      body: { username: 'atomic-user', name: 'a' },
    });
    expect(u.status).toBe(500);
    expect(await prisma.user.count({ where: { username: 'atomic-user' } })).toBe(0);

    const user = await f.user();
    const before = await prisma.personalAccessToken.count({ where: { userId: user.id } });
    failNextAudit();
    const t = await app.api.call('POST', `/api/v4/users/${user.id}/personal_access_tokens`, {
      ...admin(),
      body: { name: 'x', scopes: ['api'] },
    });
    expect(t.status).toBe(500);
    expect(await prisma.personalAccessToken.count({ where: { userId: user.id } })).toBe(before);
  });

  it('seat assignment and revocation: nothing changes when the audit row fails', async () => {
    const group = await f.group();
    const purchase = await f.purchase(group.id, 1);
    const user = await f.user();
    await f.member(group.id, user.id);
    failNextAudit();
    const seat = await app.api.call(
      'POST',
      `/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`,
      { ...admin(), body: { user_id: user.id } },
    );
    expect(seat.status).toBe(500);
    expect(await prisma.seatAssignment.count({ where: { purchaseId: purchase.id } })).toBe(0);

    failNextAudit();
    const revoke = await app.api.call('DELETE', `/api/v4/personal_access_tokens/${user.tokenId}`, {
      ...admin(),
    });
    expect(revoke.status).toBe(500);
    const token = await prisma.personalAccessToken.findUnique({ where: { id: user.tokenId } });
    expect(token?.revoked).toBe(false);
    // And with the audit store back, the same calls succeed.
    await f.assign(group.id, purchase.id, user.id);
    const again = await app.api.call('DELETE', `/api/v4/personal_access_tokens/${user.tokenId}`, {
      ...admin(),
    });
    expect(again.status).toBe(204);
  });

  it('application settings: unchanged (database and served) when the audit row fails', async () => {
    failNextAudit();
    const put = await app.api.call('PUT', '/api/v4/application/settings', {
      ...admin(),
      body: { gitlab_realm: 'self-managed' },
    });
    expect(put.status).toBe(500);
    const now = await app.api.call('GET', '/api/v4/application/settings', admin());
    expect(now.body.gitlab_realm).toBe('saas');
    expect((await prisma.instanceSettings.findUnique({ where: { id: 1 } }))?.gitlabRealm).toBe(
      'saas',
    );
  });
});
