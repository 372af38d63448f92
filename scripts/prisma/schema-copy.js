'use strict';
// Prisma 6.19 (the CLI we migrate with) needs a datasource `url` and would try to run the
// `prisma-client` generator block written for Prisma 7, which in turn forbids `url`. So the
// migrate CLI gets a derived copy: generators removed, a placeholder url added. The copy is
// never used to connect (the driver adapter is); it only carries the models.
const fs = require('node:fs');
const path = require('node:path');

/**
 * Placeholder url: the driver adapter decides where we connect, never this value. Prisma only
 * shows its database name ("Datasource "db": PostgreSQL database "<name>" using driver adapter").
 */
function placeholderUrl(databaseName = 'placeholder') {
  return `postgresql://driver-adapter.invalid/${encodeURIComponent(databaseName)}`;
}

/** Returns `text` without its `generator x { ... }` blocks and with a url in the datasource. */
function toMigrateSchema(text, databaseName) {
  const lines = text.split(/\r?\n/);
  const out = [];
  let skipping = false;
  let inDatasource = false;
  let sawDatasource = false;
  for (const line of lines) {
    const code = line.replace(/\/\/.*$/, '');
    if (skipping) {
      if (/^\s*}/.test(code)) skipping = false;
      continue;
    }
    if (/^\s*generator\s+\w+\s*{/.test(code)) {
      skipping = !/}\s*$/.test(code);
      continue;
    }
    if (/^\s*datasource\s+\w+\s*{/.test(code)) {
      inDatasource = true;
      sawDatasource = true;
      out.push(line);
      continue;
    }
    if (inDatasource) {
      if (/^\s*(url|directUrl|shadowDatabaseUrl)\s*=/.test(code)) continue;
      if (/^\s*}/.test(code)) {
        out.push(`  url      = "${placeholderUrl(databaseName)}"`);
        inDatasource = false;
      }
    }
    out.push(line);
  }
  if (!sawDatasource) throw new Error('schema.prisma has no datasource block');
  if (skipping || inDatasource) throw new Error('schema.prisma: unterminated block');
  return out.join('\n');
}

/** Writes the migrate copy of `schemaPath` into `dir` and returns its path. */
function writeMigrateSchema(schemaPath, dir, databaseName) {
  const target = path.join(dir, 'schema.prisma');
  fs.writeFileSync(target, toMigrateSchema(fs.readFileSync(schemaPath, 'utf8'), databaseName));
  return target;
}

module.exports = { toMigrateSchema, writeMigrateSchema };
