#!/usr/bin/env node
import { runCli } from './run-cli';

// A separate program: it reads its own environment (SWITCHBOARD_URL, SWITCHBOARD_TOKEN).
void runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  env: process.env,
}).then((code) => process.exit(code));
