'use strict';
/*
 * The benchmarked stack, each part in its own process: the stub AI Gateway (bench/stub-child.js),
 * the service (`node dist/src/main.js`, embedded PGlite in a temp DATA_DIR, AIGW_URL = the stub),
 * optionally the bare proxy (bench/bare-proxy.js). Provisions two seated users (and
 * `directAccessUsers` more for direct_access cache misses) through the admin API and prepares the
 * requests every scenario sends.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { childMemoryUsage, forkReady, startService, stop } = require('./procs');
const { Admin } = require('./provision');
const { expectStatus, freePort, procMemory, request, sleep } = require('./util');

const ROOT_TOKEN = 'bench-root-token-0123456789abcdef';
/** The config schema caps both limits at 1,000,000/min (100,000,000 is refused at boot). */
const RATE_LIMIT = 1_000_000;

/** A realistic IDE body: ~2.4 KB of Python above the cursor, a little below. */
function ideBody(stream = false) {
  const above =
    'import math\nfrom dataclasses import dataclass\n\n\n@dataclass\nclass Point:\n    x: float\n    y: float\n\n' +
    Array.from(
      { length: 40 },
      (_, i) => `def helper_${i}(p: Point) -> float:\n    return math.hypot(p.x, p.y) * ${i}\n`,
    ).join('\n') +
    '\n\ndef distance(a: Point, b: Point) -> float:\n    ';
  return {
    current_file: {
      file_name: 'src/geometry.py',
      content_above_cursor: above.slice(-2400),
      content_below_cursor:
        '\n\n\nif __name__ == "__main__":\n    print(distance(Point(0, 0), Point(3, 4)))\n',
      language_identifier: 'python',
    },
    project_path: 'bench/geometry',
    intent: 'completion',
    stream,
  };
}

const SSE_CLIENT = { 'x-supports-sse-streaming': 'true' };
const IDE_HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'gitlab-language-server/7.17.0 (bench)',
  'x-gitlab-language-server-version': '7.17.0',
  'x-gitlab-client-type': 'vscode',
};

async function lastUpstream(stubUrl, upstreamPath) {
  const entries = await expectStatus(request(`${stubUrl}/stub/requests`), 200, 'stub requests');
  const hit = [...entries].reverse().find((e) => e.path === upstreamPath);
  if (!hit) throw new Error(`the stub saw no request to ${upstreamPath}`);
  return hit;
}

/** Token + identity headers from a direct_access call, as the language server uses them. */
function directHeaders(da) {
  return {
    ...da.headers,
    authorization: `Bearer ${da.token}`,
    'content-type': 'application/json',
    'user-agent': IDE_HEADERS['user-agent'],
  };
}

/**
 * `restart` (default true): the first boot on the fresh DATA_DIR runs PGlite's initdb and the
 * migrations (a transient ~0.9 GB peak); its memory is recorded in `firstBoot`, then the service is
 * stopped and started again on the same DATA_DIR, as a deployed service restarts, and that second
 * process is the one measured.
 */
async function startStack({
  execArgv = [],
  logLevel = process.env.BENCH_LOG_LEVEL ?? 'info',
  withBare = true,
  restart = true,
  serviceEnv = {},
  directAccessUsers = Number(process.env.BENCH_DA_USERS ?? 2000),
  log = () => undefined,
} = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  const port = await freePort();
  const serviceUrl = `http://127.0.0.1:${port}`;
  const parts = {};
  /** Stops everything; `beforeRemove(dataDir)` runs once the service is down, before DATA_DIR goes. */
  const close = async ({ beforeRemove } = {}) => {
    await stop(parts.service?.child, 'SIGTERM', 15_000);
    await stop(parts.bare?.child);
    await stop(parts.floor?.child);
    await stop(parts.stub?.child);
    try {
      if (beforeRemove) return await beforeRemove(dataDir);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    log('starting the stub gateway');
    parts.stub = await forkReady(path.join(__dirname, '..', 'stub-child.js'), [], {
      env: { BENCH_TRUSTED_ISSUER: serviceUrl },
      name: 'stub gateway',
    });
    const env = {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: serviceUrl,
      DATA_DIR: dataDir,
      AIGW_URL: parts.stub.url,
      LOG_LEVEL: logLevel,
      INITIAL_ROOT_TOKEN: ROOT_TOKEN,
      DEMO_DATA: 'never',
      RATE_LIMIT_COMPLETIONS_PER_MINUTE: String(RATE_LIMIT),
      RATE_LIMIT_DIRECT_ACCESS_PER_MINUTE: String(RATE_LIMIT),
      // Identity caches held for a minute (the config maximum; default 5 s) so the direct_access
      // "identity cached" run measures signing, not users whose cache entry expired while the
      // others were warmed. Hot-path figures are unaffected: their one user is always cached.
      TOKEN_CACHE_TTL_MS: '60000',
      SEAT_CACHE_TTL_MS: '60000',
      // The embedded default: no external database or flag server, whatever the shell has set.
      DATABASE_URL: '',
      UNLEASH_URL: '',
      UNLEASH_API_TOKEN: '',
      UNLEASH_ADMIN_TOKEN: '',
      ...serviceEnv,
    };
    log(
      `starting the service (node dist/src/main.js${execArgv.length ? ' ' + execArgv.join(' ') : ''}) on ${serviceUrl}`,
    );
    let firstBoot;
    if (restart) {
      const first = await startService({ env });
      await sleep(1000);
      const m = procMemory(first.pid);
      firstBoot = {
        rssMb: Math.round(m.rssMb),
        vmHwmMb: Math.round(m.hwmMb),
        memoryUsage: await childMemoryUsage(first.child),
      };
      log(
        `first boot (fresh DATA_DIR: initdb + migrations): RSS ${firstBoot.rssMb} MB, peak ${firstBoot.vmHwmMb} MB; restarting on the same DATA_DIR`,
      );
      await stop(first.child, 'SIGTERM', 15_000);
    }
    parts.service = await startService({ env, execArgv: ['--expose-gc', ...execArgv] });
    if (withBare) {
      parts.bare = await forkReady(path.join(__dirname, '..', 'bare-proxy.js'), [parts.stub.url], {
        name: 'bare proxy',
      });
    }

    log('provisioning two seated users through the admin API');
    const admin = new Admin(serviceUrl, ROOT_TOKEN);
    const v2User = await admin.seatedUser('benchv2');
    const v4User = await admin.seatedUser('benchv4');
    await admin.setFlag('code_completion_v4_endpoint', { value: true, user: v4User.username });

    const post = (user, p, body, extra = {}) =>
      request(serviceUrl + p, {
        method: 'POST',
        body,
        headers: { ...IDE_HEADERS, authorization: `Bearer ${user.token}`, ...extra },
      });

    // v2, non-streamed: through the service once, then replay the very body it sent upstream.
    const v2Body = ideBody(false);
    const c = await post(v2User, '/api/v4/code_suggestions/completions', v2Body);
    if (c.status !== 200) throw new Error(`completion through the service: ${c.status} ${c.text}`);
    const upV2 = await lastUpstream(parts.stub.url, '/v2/code/completions');
    const daV2 = await expectStatus(
      post(v2User, '/api/v4/code_suggestions/direct_access', {
        project_path: v2User.project.path_with_namespace,
      }),
      201,
      'direct_access',
    );
    if (daV2.base_url !== parts.stub.url)
      throw new Error(`direct_access base_url ${daV2.base_url} is not the stub ${parts.stub.url}`);
    const directV2 = {
      path: '/v2/code/completions',
      headers: directHeaders(daV2),
      body: JSON.stringify({ ...upV2.body, ...daV2.model_details }),
    };
    const d = await request(`${parts.stub.url}${directV2.path}`, {
      method: 'POST',
      headers: directV2.headers,
      body: directV2.body,
    });
    if (d.status !== 200) throw new Error(`direct v2 call to the stub: ${d.status} ${d.text}`);

    if (withBare) {
      // The floor: the same per-request work on bare Fastify + undici (bench/floor-proxy.js).
      parts.floor = await forkReady(path.join(__dirname, '..', 'floor-proxy.js'), [], {
        name: 'floor proxy',
        env: {
          FLOOR_CONFIG: JSON.stringify({
            stubUrl: parts.stub.url,
            token: v2User.token,
            headers: directHeaders(daV2),
          }),
        },
      });
    }

    // v4, streamed.
    const v4Body = ideBody(true);
    // Only a client that says it reads SSE gets a v4 stream (else v2 raw chunks).
    const s = await post(v4User, '/api/v4/code_suggestions/completions', v4Body, SSE_CLIENT);
    if (s.status !== 200 || !/event: stream_start/.test(s.text))
      throw new Error(`v4 stream through the service: ${s.status} ${s.text.slice(0, 300)}`);
    const upV4 = await lastUpstream(parts.stub.url, '/v4/code/suggestions');
    const daV4 = await expectStatus(
      post(v4User, '/api/v4/code_suggestions/direct_access', {
        project_path: v4User.project.path_with_namespace,
      }),
      201,
      'direct_access (v4 user)',
    );

    // direct_access with distinct users: every token is a cache miss (really signed), unlike the
    // one-user run above, whose tokens come from the per-user reuse cache after the first.
    log(`provisioning ${directAccessUsers} seated users for the direct_access cache-miss run`);
    const many =
      directAccessUsers > 0
        ? await admin.seatedUsersInOneGroup(directAccessUsers)
        : { tokens: [], project: v2User.project };

    return {
      dataDir,
      serviceUrl,
      stub: parts.stub,
      service: parts.service,
      bare: parts.bare,
      floor: parts.floor,
      admin,
      users: { v2User, v4User },
      firstBoot,
      directAccessSample: {
        base_url: daV2.base_url,
        expires_at: daV2.expires_at,
        headers: Object.keys(daV2.headers),
        model_details: daV2.model_details,
      },
      req: {
        serviceV2: {
          path: '/api/v4/code_suggestions/completions',
          headers: { ...IDE_HEADERS, authorization: `Bearer ${v2User.token}` },
          body: JSON.stringify(v2Body),
        },
        directV2,
        serviceV4: {
          path: '/api/v4/code_suggestions/completions',
          headers: { ...IDE_HEADERS, ...SSE_CLIENT, authorization: `Bearer ${v4User.token}` },
          body: v4Body,
        },
        directV4: { path: '/v4/code/suggestions', headers: directHeaders(daV4), body: upV4.body },
        directAccess: {
          path: '/api/v4/code_suggestions/direct_access',
          headers: { ...IDE_HEADERS, authorization: `Bearer ${v2User.token}` },
          body: JSON.stringify({ project_path: v2User.project.path_with_namespace }),
        },
        directAccessDistinct: {
          path: '/api/v4/code_suggestions/direct_access',
          headers: IDE_HEADERS,
          body: JSON.stringify({ project_path: many.project.path_with_namespace }),
          tokens: many.tokens,
        },
      },
      close,
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

module.exports = { startStack, RATE_LIMIT, ROOT_TOKEN, ideBody };
