'use strict';
/*
 * A fresh PostgreSQL database for one bench run (scale-out.js, rss-postgres.js);
 * test/support/test-database.ts does the same for the TypeScript tests.
 */
const { Client } = require('pg');

async function run(connectionString, sql) {
  const c = new Client({ connectionString });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates `<prefix>_<unique>` on the server of `base`; `drop()` removes it (connections too). */
async function freshDatabase(base, prefix = 'sb_bench') {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  await run(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => run(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

module.exports = { freshDatabase };
