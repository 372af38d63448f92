'use strict';
/*
 * direct_access load, three ways the endpoint is used: one user over and over (after the first
 * answer every token comes from the per-user reuse cache: the cache hit path); many distinct
 * users, each asking once, first seen by the service (every token signed, and the user's token,
 * seat and team lookups go to the database: the cold path); and distinct users whose identity
 * the service already has cached (each warmed by one connection_details call, as the Language
 * Server makes one before direct_access), each asking once: every token signed, no database.
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

/**
 * Warms each user's identity caches with one `POST connection_details` (token, seat, team
 * lookups), then measures one direct_access per user: the signing path without database work.
 */
async function measureWarmDistinctUsers(req, tokens, { connections, ...window }) {
  const warm = { ...req, url: req.url.replace(/direct_access$/, 'connection_details') };
  const w = await measure({
    url: warm.url,
    requests: [
      {
        method: 'POST',
        body: '{}',
        setupRequest: distinct(warm.headers, tokens),
      },
    ],
    amount: tokens.length,
    connections: 8,
    durationS: 600,
    warmupS: 0,
  });
  if (w.non2xx > 0) throw new Error(`warming connection_details: ${w.non2xx} non-2xx answers`);
  return measureDistinctUsers(req, tokens, { connections, ...window });
}

function distinct(headers, tokens) {
  let next = 0;
  return (r) => ({
    ...r,
    headers: { ...headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` },
  });
}

module.exports = { measureOneUser, measureDistinctUsers, measureWarmDistinctUsers };
