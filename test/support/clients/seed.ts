import type { Api } from '../test-app';

async function created(api: Api, token: string, path: string, body: unknown): Promise<any> {
  const r = await api.call('POST', path, { token, body });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${r.text}`);
  return r.body;
}

/** `<prefix>-bulk-0001` … : many users through the admin API, a few requests at a time. */
export async function createBulkUsers(
  api: Api,
  token: string,
  prefix: string,
  count: number,
): Promise<void> {
  const names = Array.from(
    { length: count },
    (_, i) => `${prefix}-bulk-${String(i).padStart(4, '0')}`,
  );
  for (let i = 0; i < names.length; i += 10) {
    await Promise.all(
      names
        .slice(i, i + 10)
        .map((n) => created(api, token, '/api/v4/users', { username: n, name: `Bulk ${n}` })),
    );
  }
}

/** The actors the features scenario names: `<prefix>-alice`, group `<prefix>-acme`, project `<prefix>-acme/widgets`. */
export async function createFeatureActors(api: Api, token: string, prefix: string): Promise<void> {
  await created(api, token, '/api/v4/users', { username: `${prefix}-alice`, name: 'Alice' });
  const g = await created(api, token, '/api/v4/groups', {
    name: `${prefix}-acme`,
    path: `${prefix}-acme`,
  });
  await created(api, token, '/api/v4/projects', { name: 'widgets', namespace_id: g.id });
}
