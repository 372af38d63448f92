'use strict';
/*
 * In-process measurements on a second instance booted here with the production wiring
 * (dist/src/bootstrap): flag evaluation, routing decisions and token signing.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { round } = require('./util');

const dist = (p) => require(path.join(__dirname, '..', '..', 'dist', 'src', p));

/** Runs fn(i) in batches for `ms` milliseconds (after `warmupMs`); returns ops/s and µs/op. */
function timeLoop(fn, { ms = 2000, warmupMs = 300, batch = 500 } = {}) {
  let sink = 0;
  let i = 0;
  let end = performance.now() + warmupMs;
  while (performance.now() < end) for (let k = 0; k < batch; k++) sink += fn(i++) ? 1 : 0;
  let ops = 0;
  sink = 0;
  const t0 = performance.now();
  end = t0 + ms;
  while (performance.now() < end) {
    for (let k = 0; k < batch; k++) sink += fn(i++) ? 1 : 0;
    ops += batch;
  }
  const elapsed = performance.now() - t0;
  return {
    ops,
    opsPerSec: Math.round(ops / (elapsed / 1000)),
    usPerOp: round((elapsed * 1000) / ops, 3),
    truthy: sink,
  };
}

/** Async variant with `concurrency` operations in flight. */
async function timeAsync(fn, { ms = 2000, warmupMs = 300, concurrency = 1 } = {}) {
  const go = async (until) => {
    let n = 0;
    const worker = async () => {
      while (performance.now() < until) {
        await fn();
        n++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return n;
  };
  await go(performance.now() + warmupMs);
  const t0 = performance.now();
  const ops = await go(t0 + ms);
  const elapsed = performance.now() - t0;
  return {
    concurrency,
    ops,
    opsPerSec: Math.round(ops / (elapsed / 1000)),
    usPerOp: round((elapsed * 1000) / ops, 1),
  };
}

/** A realistic flag set: the shipped flags, several with actor / percentage / feature-group gates. */
async function seedFlags(flags) {
  const actor = { id: null, name: 'bench' };
  const users = (from, n) => Array.from({ length: n }, (_, k) => `User:${from + k}`);
  const groups = (from, n) => Array.from({ length: n }, (_, k) => `Group:${from + k}`);
  const changes = [
    ['ai_duo_code_suggestions_switch', { kind: 'boolean', enabled: true }],
    [
      'code_completion_model_codestral_2508_vertex',
      { kind: 'actors', enabled: true, actors: [...users(1, 40), ...groups(9000, 10)] },
    ],
    ['code_completion_model_codestral_2508_vertex', { kind: 'percentage_of_actors', value: 25 }],
    [
      'code_completion_opt_out_codestral_2508_vertex',
      { kind: 'actors', enabled: true, actors: groups(1, 20) },
    ],
    ['code_completion_v4_endpoint', { kind: 'actors', enabled: true, actors: users(500, 30) }],
    ['code_completion_v4_endpoint', { kind: 'percentage_of_actors', value: 10 }],
    [
      'expanded_ai_logging',
      { kind: 'feature_groups', enabled: true, groups: ['gitlab_team_members'] },
    ],
    [
      'incident_fail_over_generation_provider',
      { kind: 'actors', enabled: true, actors: ['Project:4242'] },
    ],
    // incident_fail_over_completion_provider stays unset: its definition's default (off) answers.
  ];
  for (const [name, change] of changes) await flags.change(name, change, actor);
  return flags.list().map((s) => ({ name: s.name, gates: s.gates }));
}

const CODE_ABOVE = Array.from(
  { length: 120 },
  (_, i) => `    total_${i} = compute(values[${i}], factor=${i % 7})\n`,
).join('');

async function runInProcess({ stubUrl, ms = 2000 }) {
  const { bootstrap } = dist('bootstrap');
  const { FlagsService } = dist('flags/flags.service');
  const { userSubject } = dist('flags/flag-context');
  const { RouteDeciderService } = dist('code-suggestions/route-decider.service');
  const { decideRoute } = dist('routing/routing-policy');
  const { JwtIssuerService } = dist('tokens/jwt-issuer.service');
  const { SigningKeyService } = dist('tokens/signing-key.service');
  const { SettingsService } = dist('identity/settings/settings.service');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-inproc-'));
  const running = await bootstrap({
    env: {
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AIGW_URL: stubUrl,
      LOG_LEVEL: 'silent',
      DEMO_DATA: 'never',
      INITIAL_ROOT_TOKEN: 'bench-root-token-0123456789abcdef',
    },
  });
  try {
    const app = running.app;
    const flags = app.get(FlagsService);
    const decider = app.get(RouteDeciderService);
    const issuer = app.get(JwtIssuerService);
    const keys = app.get(SigningKeyService);
    const settings = app.get(SettingsService).current();
    const flagSet = await seedFlags(flags);
    const names = [...flags.definitions.keys()];

    // 1000 users; each has a seat group, some a project, 1 in 50 is a team member.
    const subjects = Array.from({ length: 1000 }, (_, i) =>
      userSubject(
        i + 1,
        [(i % 40) + 1],
        i % 3 === 0 ? 4000 + i : undefined,
        i % 50 === 0 ? ['gitlab_team_members'] : [],
      ),
    );
    const seats = subjects.map((_, i) => ({
      hasSeat: true,
      groups: [
        {
          id: (i % 40) + 1,
          fullPath: `g${(i % 40) + 1}`,
          duoFeaturesEnabled: true,
          directCodeSuggestionsEnabled: true,
          addOn: 'duo_pro',
        },
      ],
    }));

    // --- flags
    const nf = names.length;
    const flagsMixed = timeLoop(
      (i) => flags.isEnabled(names[i % nf], subjects[((i / nf) % 1000) | 0]),
      { ms },
    );
    const perFlag = {};
    for (const name of names) {
      const r = timeLoop((i) => flags.isEnabled(name, subjects[i % 1000]), {
        ms: Math.max(300, ms / 4),
        warmupMs: 100,
      });
      perFlag[name] = {
        opsPerSec: r.opsPerSec,
        usPerOp: r.usPerOp,
        onFor: `${((r.truthy / r.ops) * 100).toFixed(0)}%`,
      };
    }

    // --- routing
    const reqs = [
      { contentAboveCursor: CODE_ABOVE, fileName: 'src/app.py', supportsSseStreaming: false },
      {
        intent: 'completion',
        contentAboveCursor: CODE_ABOVE,
        fileName: 'src/app.py',
        supportsSseStreaming: false,
      },
      {
        contentAboveCursor: `${CODE_ABOVE}# write a function that reverses a string\n`,
        fileName: 'src/app.py',
        supportsSseStreaming: true,
      },
      {
        userInstruction: 'add a docstring to every function',
        contentAboveCursor: CODE_ABOVE,
        fileName: 'src/app.py',
        supportsSseStreaming: false,
      },
    ];
    const decide = timeLoop(
      (i) =>
        decider.decide(reqs[i & 3], subjects[i % 1000], seats[i % 1000], settings).directAccess
          .allowed,
      { ms },
    );
    // The pure policy alone, flags answered from a table (isolates the policy from flag evaluation).
    const table = {
      forUser: (f) => f === 'ai_duo_code_suggestions_switch',
      forGroup: () => false,
      forInstance: () => false,
    };
    const ctx = { realm: 'saas', instanceDirectDisabled: false, seatGroups: seats[0].groups };
    const pure = timeLoop(
      (i) => decideRoute(reqs[i & 3], ctx, table, decider.models).directAccess.allowed,
      { ms },
    );

    // --- signing
    const claims = {
      sub: settings.instanceId,
      scopes: ['complete_code'],
      realm: 'saas',
      instanceId: settings.instanceId,
      extra: { model_provider: 'vertex-ai', model_name: 'code-gecko@002', feature_flags: [] },
    };
    const issueSeq = await timeAsync(() => issuer.issue(claims), { ms, concurrency: 1 });
    const issueConc = await timeAsync(() => issuer.issue(claims), { ms, concurrency: 8 });
    const { privateKey } = keys.signingKey();
    const input = Buffer.from('x'.repeat(600));
    const rawSign = timeLoop(() => crypto.sign('sha256', input, privateKey).length, {
      ms,
      batch: 20,
      warmupMs: 200,
    });

    return {
      flagSet,
      flags: { mixed: { opsPerSec: flagsMixed.opsPerSec, usPerOp: flagsMixed.usPerOp }, perFlag },
      routing: {
        routeDeciderDecide: { opsPerSec: decide.opsPerSec, usPerOp: decide.usPerOp },
        decideRoutePureTableFlags: { opsPerSec: pure.opsPerSec, usPerOp: pure.usPerOp },
      },
      signing: {
        jwtIssuerIssueSequential: issueSeq,
        jwtIssuerIssueConcurrent8: issueConc,
        rawRs256SignSyncOneThread: { opsPerSec: rawSign.opsPerSec, usPerOp: rawSign.usPerOp },
        uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      },
    };
  } finally {
    await running.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

module.exports = { runInProcess, timeLoop, timeAsync };
