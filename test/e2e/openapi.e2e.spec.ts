import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { completionInputSchema } from '../../src/code-suggestions/completion-input.schema';
import { zodToOpenApi } from '../../src/common/http/openapi/zod-openapi';
import { setFeatureSchema } from '../../src/flags/admin/feature-params';
import { startTestApp, TestApp } from '../support/test-app';

// Boots servers and does real I/O (HTTP, database): on a loaded machine that takes more than
// jest's default 5 s.
jest.setTimeout(60_000);

/** `doc` with every `$ref` replaced by the component it names (the document has no cycles). */
function dereference(doc: any): any {
  const visit = (node: any): any => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    if (typeof node.$ref === 'string') {
      const name = node.$ref.replace('#/components/schemas/', '');
      const target = doc.components?.schemas?.[name];
      if (!target) throw new Error(`dangling $ref ${node.$ref}`);
      return visit(target);
    }
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
  };
  return visit(doc);
}

/**
 * The OpenAPI document and Swagger UI, served by setupOpenApi (src/common/http/openapi.ts), which
 * bootstrap() must call. Request bodies and query parameters are derived from the zod schemas that
 * validate them; answers are named components; Redocly's recommended rules find no error.
 */
describe('OpenAPI document (/api/docs-json) and Swagger UI (/api/docs)', () => {
  let app: TestApp;
  /** The document as served (with $refs). */
  let raw: any;
  /** The same, $refs resolved, so checks can look inside bodies and answers. */
  let doc: any;

  const operation = (path: string, method: string) => {
    const op = doc.paths?.[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the OpenAPI document`);
    return op;
  };
  const jsonBody = (path: string, method: string) =>
    operation(path, method).requestBody?.content?.['application/json']?.schema;
  const responseSchema = (
    path: string,
    method: string,
    status: number,
    type = 'application/json',
  ) => operation(path, method).responses?.[String(status)]?.content?.[type]?.schema;

  beforeAll(async () => {
    app = await startTestApp();
    const r = await app.api.call('GET', '/api/docs-json');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    raw = r.body;
    doc = dereference(raw);
  }, 60_000);
  afterAll(() => app?.close());

  it('is an OpenAPI 3 document for Switchboard, public (no token needed)', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Switchboard' });
    expect(typeof doc.info.version).toBe('string');
  });

  it('declares the PRIVATE-TOKEN header and bearer security schemes, used by authenticated routes only', () => {
    expect(doc.components.securitySchemes['PRIVATE-TOKEN']).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'PRIVATE-TOKEN' }),
    );
    expect(doc.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    const security = operation('/api/v4/code_suggestions/completions', 'post').security;
    expect(security).toEqual(expect.arrayContaining([{ 'PRIVATE-TOKEN': [] }, { bearer: [] }]));
    expect(operation('/-/liveness', 'get').security ?? []).toEqual([]);
    expect(operation('/oauth/discovery/keys', 'get').security ?? []).toEqual([]);
  });

  it('lists every route of the app, each with a tag and at least one documented answer', () => {
    const expected: Array<[string, string]> = [
      ['/api/v4/code_suggestions/completions', 'post'],
      ['/api/v4/code_suggestions/direct_access', 'post'],
      ['/api/v4/code_suggestions/enabled', 'post'],
      ['/api/v4/code_suggestions/connection_details', 'post'],
      ['/api/v4/features', 'get'],
      ['/api/v4/features/definitions', 'get'],
      ['/api/v4/features/{name}', 'get'],
      ['/api/v4/features/{name}', 'post'],
      ['/api/v4/features/{name}', 'delete'],
      ['/api/v4/features/{name}/evaluate', 'get'],
      ['/api/v4/user', 'get'],
      ['/api/v4/users', 'get'],
      ['/api/v4/users', 'post'],
      ['/api/v4/users/{id}', 'get'],
      ['/api/v4/users/{id}', 'put'],
      ['/api/v4/users/{id}', 'delete'],
      ['/api/v4/users/{id}/activate', 'post'],
      ['/api/v4/users/{id}/deactivate', 'post'],
      ['/api/v4/users/{id}/memberships', 'get'],
      ['/api/v4/users/{id}/personal_access_tokens', 'post'],
      ['/api/v4/personal_access_tokens/self', 'get'],
      ['/api/v4/personal_access_tokens/self', 'delete'],
      ['/api/v4/personal_access_tokens/{id}', 'delete'],
      ['/api/v4/personal_access_tokens/{id}', 'get'],
      ['/api/v4/personal_access_tokens/{id}/rotate', 'post'],
      ['/api/v4/groups', 'get'],
      ['/api/v4/groups', 'post'],
      ['/api/v4/groups/{id}', 'get'],
      ['/api/v4/groups/{id}', 'put'],
      ['/api/v4/groups/{id}', 'delete'],
      ['/api/v4/groups/{id}/members', 'post'],
      ['/api/v4/groups/{id}/members/{user_id}', 'get'],
      ['/api/v4/groups/{id}/members/{user_id}', 'put'],
      ['/api/v4/groups/{id}/members/{user_id}', 'delete'],
      ['/api/v4/groups/{id}/members/all', 'get'],
      ['/api/v4/groups/{id}/members/all/{user_id}', 'get'],
      ['/api/v4/groups/{id}/subgroups', 'get'],
      ['/api/v4/groups/{id}/projects', 'get'],
      ['/api/v4/projects', 'post'],
      ['/api/v4/projects/{id}', 'get'],
      ['/api/v4/projects/{id}', 'put'],
      ['/api/v4/projects/{id}', 'delete'],
      ['/api/v4/projects/{id}/members', 'post'],
      ['/api/v4/projects/{id}/members', 'get'],
      ['/api/v4/projects/{id}/members/{user_id}', 'get'],
      ['/api/v4/projects/{id}/members/{user_id}', 'delete'],
      ['/api/v4/groups/{groupId}/add_on_purchases', 'get'],
      ['/api/v4/groups/{groupId}/add_on_purchases', 'post'],
      ['/api/v4/groups/{groupId}/add_on_purchases/{purchaseId}/assignments', 'post'],
      ['/api/v4/groups/{groupId}/add_on_purchases/{purchaseId}/assignments', 'delete'],
      ['/api/v4/application/settings', 'get'],
      ['/api/v4/application/settings', 'put'],
      ['/api/v4/audit_events', 'get'],
      ['/api/v4/audit_events/{id}', 'get'],
      ['/api/v4/version', 'get'],
      ['/api/v4/metadata', 'get'],
      ['/api/v4/admin/signing_keys', 'get'],
      ['/api/v4/admin/signing_keys/rotate', 'post'],
      ['/-/liveness', 'get'],
      ['/-/readiness', 'get'],
      ['/.well-known/openid-configuration', 'get'],
      ['/oauth/discovery/keys', 'get'],
      ['/metrics', 'get'],
      ['/api/v4/code_suggestions/routing', 'get'],
      ['/api/v4/admin/console/summary', 'get'],
      ['/api/v4/admin/console/traffic', 'get'],
      ['/api/v4/admin/console/reach', 'get'],
      ['/api/v4/admin/console/acceptance', 'get'],
      ['/api/v4/admin/console/rollouts', 'get'],
      ['/api/v4/admin/console/rollouts/{flag}/stage', 'get'],
      ['/api/v4/admin/console/rollouts/{flag}/stage', 'post'],
    ];
    for (const [path, method] of expected) {
      const op = operation(path, method);
      expect({ path, method, tags: op.tags?.length ?? 0 }).toEqual({ path, method, tags: 1 });
      expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
    }
    // Every documented operation has a tag, and every POST/PUT a request body.
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect({ path, method, tagged: (op.tags ?? []).length > 0 }).toEqual({
          path,
          method,
          tagged: true,
        });
        const needsBody =
          method === 'put' || (method === 'post' && !path.endsWith('/connection_details'));
        if (needsBody)
          expect({ path, method, body: Boolean(op.requestBody) }).toEqual({
            path,
            method,
            body: true,
          });
      }
    }
  });

  it('groups the routes by tags', () => {
    const tags = (doc.tags ?? []).map((t: { name: string }) => t.name);
    // A controller without @ApiTags gets an automatic tag named after its class: not one of ours.
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const tag of op.tags ?? [])
          expect({ path, method, tag, declared: tags.includes(tag) }).toEqual({
            path,
            method,
            tag,
            declared: true,
          });
      }
    }
    expect(tags).toEqual(
      expect.arrayContaining([
        'code_suggestions',
        'features',
        'users',
        'tokens',
        'groups',
        'projects',
        'add-on purchases',
        'application settings',
        'audit',
        'health',
        'discovery',
        'admin signing keys',
        'metrics',
        'routing',
      ]),
    );
    expect(operation('/api/v4/code_suggestions/completions', 'post').tags).toEqual([
      'code_suggestions',
    ]);
    expect(operation('/api/v4/features/{name}', 'post').tags).toEqual(['features']);
    expect(operation('/api/v4/users', 'post').tags).toEqual(['users']);
    expect(operation('/api/v4/users/{id}/personal_access_tokens', 'post').tags).toEqual(['tokens']);
    expect(operation('/api/v4/groups/{groupId}/add_on_purchases', 'post').tags).toEqual([
      'add-on purchases',
    ]);
  });

  it('completions: the contract body (current_file required), streaming answers and the error answers', () => {
    const body = jsonBody('/api/v4/code_suggestions/completions', 'post');
    expect(operation('/api/v4/code_suggestions/completions', 'post').requestBody.required).toBe(
      true,
    );
    expect(body.required).toEqual(['current_file']);
    expect(body.properties.current_file.required).toEqual(['file_name', 'content_above_cursor']);
    expect(body.properties.current_file.properties.file_name.maxLength).toBe(255);
    expect(body.properties.current_file.properties.content_above_cursor.maxLength).toBe(400_000);
    expect(body.properties.intent.enum).toEqual(['completion', 'generation']);
    expect(body.properties.generation_type.enum).toEqual([
      'comment',
      'empty_function',
      'small_file',
    ]);
    expect(body.properties.stream).toMatchObject({ type: 'boolean' });
    expect(body.properties.context).toMatchObject({ type: 'array', minItems: 1 });
    expect(body.properties.context.items.properties.type.enum).toEqual(['file', 'snippet']);

    const op = operation('/api/v4/code_suggestions/completions', 'post');
    expect(Object.keys(op.responses['200'].content)).toEqual(
      expect.arrayContaining(['application/json', 'text/event-stream']),
    );
    expect(op.responses['200'].headers['X-Streaming-Format'].schema.enum).toEqual(['sse']);
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '413', '429', '503']),
    );
    expect(op.responses['401'].content['application/json'].schema.example).toEqual({
      message: '401 Unauthorized',
    });
    expect(op.responses['401'].headers['X-GitLab-Error-Origin']).toBeDefined();
    expect(op.responses['429'].content['application/json'].schema.example).toEqual({
      message: { error: 'This endpoint has been requested too many times. Try again later.' },
    });
    expect(op.responses['400'].content['application/json'].schema.properties.error.type).toBe(
      'string',
    );
    expect(op.responses['403'].content['application/json'].schema.properties.error.enum).toEqual([
      'insufficient_scope',
    ]);
  });

  it('request bodies are the zod schemas the app validates with, as named components', () => {
    const ref = (p: string, method: string) =>
      raw.paths[p][method].requestBody.content['application/json'].schema.$ref as string;
    const completionRef = ref('/api/v4/code_suggestions/completions', 'post');
    expect(completionRef).toMatch(/^#\/components\/schemas\/\w+Request$/);
    const component = raw.components.schemas[completionRef.split('/').pop()!];
    expect(component).toEqual(zodToOpenApi(completionInputSchema));
    expect(completionInputSchema.safeParse(component.example).success).toBe(true);
    const feature =
      raw.components.schemas[ref('/api/v4/features/{name}', 'post').split('/').pop()!];
    expect(feature).toEqual(zodToOpenApi(setFeatureSchema));
    // Every body of the document is a named component, in JSON and form encoding alike.
    for (const [p, item] of Object.entries<any>(raw.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!op.requestBody) continue;
        const content = op.requestBody.content ?? {};
        // GitLab's block/unblock and (de)activate take no body (an optional empty one is
        // documented for clients).
        if (/\/users\/\{id\}\/((un)?block|activate|deactivate)$/.test(p)) {
          expect(op.requestBody.required).toBe(false);
          continue;
        }
        expect({ p, method, ref: content['application/json']?.schema?.$ref }).toEqual({
          p,
          method,
          ref: expect.stringMatching(/^#\/components\/schemas\//),
        });
        expect(content['application/x-www-form-urlencoded']?.schema).toEqual(
          content['application/json'].schema,
        );
      }
    }
    // Answers are named components too.
    expect(
      raw.paths['/api/v4/users']['post'].responses['201'].content['application/json'].schema,
    ).toEqual({ $ref: '#/components/schemas/User' });
  });

  it('public routes say security: [], the rest inherit the token schemes; the PAT is no JWT', () => {
    expect(raw.security).toEqual([{ 'PRIVATE-TOKEN': [] }, { bearer: [] }]);
    for (const [p, method] of [
      ['/-/liveness', 'get'],
      ['/-/readiness', 'get'],
      ['/metrics', 'get'],
      ['/.well-known/openid-configuration', 'get'],
      ['/oauth/discovery/keys', 'get'],
    ])
      expect({ p, security: raw.paths[p][method].security }).toEqual({ p, security: [] });
    expect(raw.paths['/api/v4/user'].get.security).not.toEqual([]);
    expect(raw.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
  });

  it('passes Redocly lint (recommended rules) without errors', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sb-openapi-')), 'doc.json');
    fs.writeFileSync(file, JSON.stringify(raw));
    const lint = spawnSync(
      process.execPath,
      [path.join(__dirname, '../../scripts/lint-openapi.mjs'), file],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const problems = lint.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { severity: string; rule: string; where: string });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(lint.status).toBe(0);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }, 120_000);

  it('the completions answer documents the gateway metadata block', () => {
    const answer = responseSchema('/api/v4/code_suggestions/completions', 'post', 200);
    expect(answer.properties.metadata.properties).toEqual(
      expect.objectContaining({ model: expect.any(Object), timestamp: expect.any(Object) }),
    );
  });

  it('direct_access: project_path body, the 201 answer and 403 direct connections disabled', () => {
    const body = jsonBody('/api/v4/code_suggestions/direct_access', 'post');
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['project_path', 'projectPath']),
    );
    const answer = responseSchema('/api/v4/code_suggestions/direct_access', 'post', 201);
    expect(answer.required).toEqual(
      expect.arrayContaining(['base_url', 'token', 'expires_at', 'headers', 'model_details']),
    );
    const op = operation('/api/v4/code_suggestions/direct_access', 'post');
    expect(JSON.stringify(op.responses['403'])).toContain(
      '403 Forbidden - Direct connections are disabled',
    );
    expect(Object.keys(op.responses)).toEqual(
      expect.arrayContaining(['201', '401', '403', '404', '429']),
    );
  });

  it('features/{name}: name parameter, POST body with value required, DELETE 204', () => {
    const post = operation('/api/v4/features/{name}', 'post');
    expect(post.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'name', in: 'path', required: true }),
      ]),
    );
    const body = jsonBody('/api/v4/features/{name}', 'post');
    expect(body.required).toEqual(['value']);
    expect(body.properties.key.enum).toEqual(['percentage_of_actors', 'percentage_of_time']);
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['user', 'group', 'namespace', 'project', 'feature_group']),
    );
    expect(responseSchema('/api/v4/features/{name}', 'post', 201).properties.state.enum).toEqual([
      'on',
      'off',
      'conditional',
    ]);
    expect(Object.keys(operation('/api/v4/features/{name}', 'delete').responses)).toEqual(
      expect.arrayContaining(['204', '404']),
    );
    expect(operation('/api/v4/features/{name}', 'get').responses['403']).toBeDefined();
  });

  it('users: GET with a username query, POST with the create body', () => {
    const list = operation('/api/v4/users', 'get');
    expect(list.parameters).toEqual(
      expect.arrayContaining(
        ['username', 'search', 'page', 'per_page'].map((name) =>
          expect.objectContaining({ name, in: 'query', required: false }),
        ),
      ),
    );
    const body = jsonBody('/api/v4/users', 'post');
    expect(body.required).toEqual(['username', 'name']);
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(operation('/api/v4/users', 'post').responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
  });

  it('serves Swagger UI at /api/docs without a token, and its assets', async () => {
    expect((await app.api.call('GET', '/api/docs/')).status).toBe(200);
    const page = await app.api.call('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<div id="swagger-ui">');
    for (const asset of [
      '/api/docs/swagger-ui-bundle.js',
      '/api/docs/swagger-ui.css',
      '/api/docs/swagger-initializer.js',
    ]) {
      expect(page.text).toContain(asset);
      const r = await fetch(app.url + asset);
      expect({ asset, status: r.status }).toEqual({ asset, status: 200 });
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const init = await app.api.call('GET', '/api/docs/swagger-initializer.js');
    expect(init.text).toContain('/api/docs-json');
  });

  it('does not open the API itself: documented routes still need a token', async () => {
    expect((await app.api.call('GET', '/api/v4/user')).status).toBe(401);
  });
});
