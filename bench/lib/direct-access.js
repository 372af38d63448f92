'use strict';
/*
 * direct_access load, both ways the endpoint is used: one user over and over (after the first
 * answer every token comes from the per-user reuse cache: this measures the cache hit path) and
 * many distinct users, each asking once (every token is really signed: the cache miss path).
 */
const { measure } = require('./load');

/** One user, `durationS` seconds: cache hits. */
function measureOneUser(req, { connections, durationS, warmupS, ...window }) {
  return measure({
    url: req.url,
    headers: req.headers,
    body: req.body,
    connections,
    durationS,
    warmupS,
    ...window,
  });
}

/**
 * Each of `tokens` exactly once (autocannon `amount`), so no answer can come from the cache.
 * No warm-up: it would spend users; the one-user run before warms the process.
 */
function measureDistinctUsers(req, tokens, { connections, ...window }) {
  let next = 0;
  const headers = { ...req.headers };
  return measure({
    url: req.url,
    requests: [
      {
        method: 'POST',
        body: req.body,
        setupRequest: (r) => ({
          ...r,
          method: 'POST',
          body: req.body,
          headers: { ...headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
    amount: tokens.length,
    connections,
    durationS: 600, // upper bound only (the hang guard): `amount` ends the run
    warmupS: 0,
    ...window,
  });
}

module.exports = { measureOneUser, measureDistinctUsers };
