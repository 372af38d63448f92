'use strict';
/* Time to first body byte of a streamed answer: N requests over one or more keep-alive sockets. */
const http = require('node:http');
const { summarize, round } = require('./util');

function once(url, headers, payload, agent, timeoutMs) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb;
    let firstChunk = '';
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const headersMs = performance.now() - t0;
        res.on('data', (c) => {
          if (ttfb === undefined) {
            ttfb = performance.now() - t0;
            firstChunk = c.toString('utf8', 0, Math.min(c.length, 200));
          }
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headersMs,
            ttfb,
            totalMs: performance.now() - t0,
            firstChunk,
            contentType: res.headers['content-type'],
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('ttfb request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * `n` measured requests after `warmup` discarded ones, spread over `connections` keep-alive
 * sockets each sending its next request when its last stream ended (1: sequential); throws on a
 * non-200 answer.
 */
async function measureTtfb({
  url,
  headers,
  body,
  n = 500,
  warmup = 30,
  connections = 1,
  timeoutMs = 10_000,
}) {
  const payload = JSON.stringify(body);
  const ttfb = [];
  const total = [];
  let sample;
  let started = 0;
  const loop = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (started < warmup + n) {
        const i = started++;
        const r = await once(url, headers, payload, agent, timeoutMs);
        if (r.status !== 200 || r.ttfb === undefined)
          throw new Error(
            `streamed request to ${url}: status ${r.status}, first chunk ${r.firstChunk}`,
          );
        sample ??= r;
        if (i >= warmup) {
          ttfb.push(r.ttfb);
          total.push(r.totalMs);
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const a = summarize(ttfb);
  const b = summarize(total);
  return {
    n,
    connections,
    contentType: sample.contentType,
    firstChunk: sample.firstChunk.slice(0, 80),
    ttfbMs: {
      p50: round(a.p50, 3),
      p90: round(a.p90, 3),
      p99: round(a.p99, 3),
      max: round(a.max, 3),
      mean: round(a.mean, 3),
    },
    totalMs: { p50: round(b.p50, 3), p99: round(b.p99, 3) },
  };
}

module.exports = { measureTtfb };
