'use strict';
/*
 * Does a flood of IDE telemetry slow completions? (issue #24). The built service (dist/, PGlite,
 * the stub gateway in its own process; bench/lib/stack.js) is measured twice in one run:
 *   1. completions alone: BENCH_CONNECTIONS (8) connections of v2 non-streamed completions for
 *      BENCH_DURATION_S (10) s, after a 2 s warm-up;
 *   2. completions paced at 40 % of that rate, alone, then with the suggestion events IDEs send
 *      for them (2 per completion), paced too: the latency a typist feels, not saturated;
 *   3. and 4. the same completions while BENCH_FLOOD_CONNECTIONS (32) more connections post
 *      `code_suggestion_shown_in_ide` / `code_suggestion_accepted_in_ide` to
 *      /api/v4/usage_data/track_event as fast as the service answers, from BENCH_FLOOD_USERS (20)
 *      users, every event a new suggestion (each one a database row: the worst case for writes);
 *      once with an event GitLab does not define (answered 200, never written), once with
 *      suggestion events: what the writes cost is the difference between the two.
 * Side by side: completions per second and latency percentiles, their ratios, the flood's rate,
 * and whether every acknowledged event reached the rollup (GET acceptance). The per-user event
 * limit is raised to the config maximum so the flood is all writes, not 429s.
 *   npm run build && node bench/acceptance-flood.js
 * (Its own small stack, not bench/lib/stack.js: that one also prepares v4 streams and direct
 * access, which this benchmark does not send.)
 */
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { measure, run } = require('./lib/load');
const { forkReady, startService, stop } = require('./lib/procs');
const { Admin } = require('./lib/provision');
const { expectStatus, freePort, machine, request, round } = require('./lib/util');

const ROOT_TOKEN = 'bench-root-token-0123456789abcdef';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const FLOOD_CONNECTIONS = Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 32);
const FLOOD_USERS = Number(process.env.BENCH_FLOOD_USERS ?? 20);
const log = (m) => process.stderr.write(`[acceptance-flood] ${m}\n`);

function floodRequests(serviceUrl, tokens, counter, eventName, connections) {
  return {
    url: serviceUrl,
    connections,
    requests: [
      {
        method: 'POST',
        path: '/api/v4/usage_data/track_event',
        setupRequest: (req) => {
          const i = counter.sent++;
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${tokens[i % tokens.length]}`,
            },
            body: JSON.stringify({
              event:
                eventName ??
                (i % 3 === 2 ? 'code_suggestion_accepted_in_ide' : 'code_suggestion_shown_in_ide'),
              additional_properties: {
                unique_tracking_id: randomUUID(),
                timestamp: new Date().toISOString(),
                language: 'python',
                suggestion_size: 3,
                model_name: 'codestral-2508',
                model_engine: 'fireworks_ai',
                ide_name: 'bench',
              },
            }),
          };
        },
      },
    ],
  };
}

async function shownInRollup(serviceUrl) {
  const body = await expectStatus(
    request(`${serviceUrl}/api/v4/code_suggestions/acceptance?minutes=30`, {
      headers: { 'private-token': ROOT_TOKEN },
    }),
    200,
    'GET acceptance',
  );
  return body.models.reduce((n, m) => n + m.shown, 0);
}

/** A realistic completion: ~2.4 KB of Python above the cursor (as bench/lib/stack.js sends). */
const COMPLETION_BODY = JSON.stringify({
  current_file: {
    file_name: 'src/geometry.py',
    content_above_cursor: Array.from(
      { length: 40 },
      (_, i) => `def helper_${i}(p):\n    return math.hypot(p.x, p.y) * ${i}\n`,
    )
      .join('\n')
      .slice(-2400),
    content_below_cursor: '\n\nif __name__ == "__main__":\n    main()\n',
    language_identifier: 'python',
  },
  intent: 'completion',
});

/** The stub gateway and the service (PGlite in a temp DATA_DIR), each its own process. */
async function startServices() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-acc-'));
  const port = await freePort();
  const serviceUrl = `http://127.0.0.1:${port}`;
  const stub = await forkReady(path.join(__dirname, 'stub-child.js'), [], {
    env: { BENCH_TRUSTED_ISSUER: serviceUrl },
    name: 'stub gateway',
  });
  const service = await startService({
    execArgv: process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [],
    env: {
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: serviceUrl,
      DATA_DIR: dataDir,
      AIGW_URL: stub.url,
      LOG_LEVEL: 'warn',
      INITIAL_ROOT_TOKEN: ROOT_TOKEN,
      DEMO_DATA: 'never',
      RATE_LIMIT_COMPLETIONS_PER_MINUTE: '1000000',
      RATE_LIMIT_USAGE_EVENTS_PER_MINUTE: '1000000',
      DATABASE_URL: '',
      UNLEASH_URL: '',
      UNLEASH_API_TOKEN: '',
      UNLEASH_ADMIN_TOKEN: '',
    },
  });
  const close = async () => {
    await stop(service.child, 'SIGTERM', 15_000);
    await stop(stub.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { serviceUrl, close };
}

async function main() {
  const stack = await startServices();
  try {
    const admin = new Admin(stack.serviceUrl, ROOT_TOKEN);
    const typist = await admin.seatedUser('benchtypist');
    const { tokens } = await admin.seatedUsersInOneGroup(FLOOD_USERS, 'benchev');
    const completions = {
      url: `${stack.serviceUrl}/api/v4/code_suggestions/completions`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${typist.token}` },
      body: COMPLETION_BODY,
      connections: CONNECTIONS,
      durationS: DURATION_S,
    };
    const probe = await request(completions.url, {
      method: 'POST',
      headers: completions.headers,
      body: COMPLETION_BODY,
    });
    if (probe.status !== 200) throw new Error(`completion: ${probe.status} ${probe.text}`);
    log(`completions alone: ${CONNECTIONS} connections, ${DURATION_S} s`);
    const alone = await measure(completions);

    const withFlood = async (
      eventName,
      { connections = FLOOD_CONNECTIONS, overallRate, completionsRate } = {},
    ) => {
      const counter = { sent: 0 };
      let flood;
      const measured = await measure({
        ...completions,
        overallRate: completionsRate,
        warmupS: 0,
        onStart: () => {
          flood = run({
            ...floodRequests(stack.serviceUrl, tokens, counter, eventName, connections),
            duration: DURATION_S + 1,
            overallRate,
          });
        },
      });
      const f = await flood;
      return {
        measured,
        flood: {
          connections,
          overallRate: overallRate ?? 'unpaced',
          users: FLOOD_USERS,
          event: eventName ?? 'shown (2/3) and accepted (1/3), each a new suggestion',
          acked: f['2xx'],
          sent: counter.sent,
          perSecond: round(f['2xx'] / f.duration, 1),
          non2xx: f.non2xx,
          errors: f.errors,
          latencyMs: { p50: f.latency.p50, p99: f.latency.p99 },
        },
      };
    };
    // In service, completions do not saturate the CPU: at 40 % of the saturated rate, alone and
    // with the events IDEs send for them (shown, then accepted or rejected: 2 per completion,
    // as if every completion were shown), latency is what a typist feels.
    const rate = Math.max(1, Math.round(alone.rps * 0.4));
    log(`completions paced at ${rate}/s, alone`);
    const pacedAlone = await measure({ ...completions, overallRate: rate });
    log(`completions paced at ${rate}/s with suggestion events at ${2 * rate}/s alongside`);
    const typical = await withFlood(undefined, {
      connections: CONNECTIONS,
      overallRate: 2 * rate,
      completionsRate: rate,
    });
    // The same flood of an event GitLab does not define: answered 200, never written. The
    // difference between the two floods is what the batched writes cost.
    log(`completions with ${FLOOD_CONNECTIONS} connections of an unknown event alongside`);
    const unknown = await withFlood('bench_unknown_event');
    const before = await shownInRollup(stack.serviceUrl);
    log(`completions with ${FLOOD_CONNECTIONS} connections of suggestion events alongside`);
    const counted = await withFlood(undefined);
    const inRollup = (await shownInRollup(stack.serviceUrl)) - before;
    const ratios = (m) => ({
      rps: round(m.rps / alone.rps, 3),
      p50: round(m.latencyMs.p50 / alone.latencyMs.p50, 3),
      p99: round(m.latencyMs.p99 / alone.latencyMs.p99, 3),
    });
    const result = {
      date: new Date().toISOString(),
      machine: { ...machine(), loadAvg: os.loadavg().map((l) => round(l, 1)) },
      completionsAlone: alone,
      completionsPacedAlone: pacedAlone,
      completionsPacedWithEvents: {
        ...typical.measured,
        vsPacedAlone: {
          p50: round(typical.measured.latencyMs.p50 / pacedAlone.latencyMs.p50, 3),
          p90: round(typical.measured.latencyMs.p90 / pacedAlone.latencyMs.p90, 3),
          p99: round(typical.measured.latencyMs.p99 / pacedAlone.latencyMs.p99, 3),
        },
      },
      typicalEvents: typical.flood,
      completionsWithUnknownEventFlood: { ...unknown.measured, vsAlone: ratios(unknown.measured) },
      completionsWithSuggestionEventFlood: {
        ...counted.measured,
        vsAlone: ratios(counted.measured),
      },
      unknownEventFlood: unknown.flood,
      suggestionEventFlood: {
        ...counted.flood,
        // every event is a new suggestion: one `shown` each in the rollup, acknowledged or still
        // in flight when the load generator stopped
        suggestionsInRollup: inRollup,
        everyAckedCounted: inRollup >= counted.flood.acked && inRollup <= counted.flood.sent,
      },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    await stack.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
