'use strict';
/*
 * The service fails completions over to the backup model when a circuit breaker opens. A breaker
 * opening during a measurement would silently change what is measured (answers stay 200), so
 * the bench reads the service's /metrics around every service phase: failovers counted inside the
 * window are reported, and an open breaker left by the end of a phase (client aborts when
 * autocannon stops count as failures, see RESULTS.md) is waited out before the next phase.
 */
const { request, sleep } = require('./util');

/** switchboard_breaker_state's values (docs/metrics.md). */
const STATES = { 1: 'half-open', 2: 'open', 3: 'isolated' };

async function scrape(serviceUrl) {
  const r = await request(`${serviceUrl}/metrics`, { timeoutMs: 5000 });
  let failovers = 0;
  const open = [];
  for (const line of r.text.split('\n')) {
    let m = /^switchboard_failovers_total(\{[^}]*\})?\s+([\d.e+]+)/.exec(line);
    if (m) failovers += Number(m[2]);
    m = /^switchboard_breaker_state\{[^}]*upstream="([^"]+)"[^}]*\}\s+(\d+)/.exec(line);
    if (m && Number(m[2]) !== 0) open.push(`${m[1]}=${STATES[m[2]] ?? m[2]}`);
  }
  return { failovers, open };
}

/** Waits (at most ~35 s) until no breaker is open, sending `probe()` so a half-open one can close. */
async function settle(serviceUrl, probe, log) {
  for (let i = 0; i < 7; i++) {
    const s = await scrape(serviceUrl);
    if (s.open.length === 0) return i > 0;
    if (i === 0)
      log(`breaker(s) ${s.open.join(', ')} after the phase: waiting for half-open and probing`);
    await sleep(5500);
    await probe().catch(() => undefined);
  }
  log('WARNING: a breaker is still open; the next phase may measure failover traffic');
  return true;
}

module.exports = { scrape, settle };
