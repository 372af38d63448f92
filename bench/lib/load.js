'use strict';
/*
 * autocannon, with exact latencies: autocannon's own histogram stores whole milliseconds, too
 * coarse for "added latency <= 1 ms", so every response time (a float, ms, from process.hrtime)
 * is also kept from the `response` event and summarised here.
 */
const autocannon = require('autocannon');
const { Samples, summarize, round } = require('./util');

function run(opts, onResponse) {
  return new Promise((resolve, reject) => {
    const inst = autocannon({ timeout: 30, ...opts }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
    if (onResponse) inst.on('response', onResponse);
    // Hard stop in case something hangs: duration + 30 s.
    const guard = setTimeout(() => inst.stop(), ((opts.duration ?? 10) + 30) * 1000);
    guard.unref();
    inst.on('done', () => clearTimeout(guard));
  });
}

/**
 * One measured autocannon run (after `warmupS` seconds of the same load, discarded).
 * Returns requests/s counted on 2xx answers, exact latency percentiles (ms) of 2xx answers,
 * and the error/non-2xx counts so a broken run is visible. `onStart()` / `onEnd(okCount)` bracket
 * the measured window only (not the warm-up); what onEnd returns is merged into the result.
 * `amount` (autocannon's): stop after that many requests instead of after `durationS`.
 */
async function measure({
  url,
  method = 'POST',
  headers,
  body,
  requests,
  amount,
  connections,
  durationS,
  warmupS = 2,
  overallRate,
  onStart,
  onEnd,
}) {
  const base = { url, method, headers, body, requests, amount, connections, overallRate };
  if (warmupS > 0) await run({ ...base, duration: warmupS });
  const extra = {};
  if (onStart) await onStart();
  const samples = new Samples();
  const statuses = {};
  const started = performance.now();
  let firstAt;
  let lastAt;
  const result = await run({ ...base, duration: durationS }, (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300) samples.push(ms);
    const now = performance.now();
    firstAt ??= now - ms;
    lastAt = now;
  });
  // A run of a fixed `amount` lasts well under a second at a few thousand req/s, and autocannon's
  // start and stop would be a large share of it: its rate is taken from the first request's start
  // to the last answer instead.
  const elapsedS =
    amount && firstAt !== undefined
      ? (lastAt - firstAt) / 1000
      : (performance.now() - started) / 1000;
  if (onEnd) Object.assign(extra, await onEnd(samples.length));
  const lat = summarize(samples.values());
  return {
    connections,
    durationS: round(elapsedS, 2),
    ok: samples.length,
    rps: round(samples.length / elapsedS, 1),
    latencyMs: {
      p50: round(lat.p50, 3),
      p90: round(lat.p90, 3),
      p99: round(lat.p99, 3),
      max: round(lat.max, 3),
      mean: round(lat.mean, 3),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    ...extra,
  };
}

module.exports = { measure, run };
