#!/usr/bin/env node
// Lints an OpenAPI document with Redocly's rules (the library behind `redocly lint`, used
// directly because it needs no config file or network): `node scripts/lint-openapi.mjs doc.json`.
// Prints the problems as JSON lines on stdout; exit code 1 when any is an error.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/lint-openapi.mjs <openapi.json>');
  process.exit(2);
}
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({
  source: readFileSync(file, 'utf8'),
  absoluteRef: pathToFileURL(file).href,
  config,
});
for (const p of problems) {
  const where = p.location?.[0]?.pointer ?? '';
  console.log(JSON.stringify({ severity: p.severity, rule: p.ruleId, where, message: p.message }));
}
process.exit(problems.some((p) => p.severity === 'error') ? 1 : 0);
