#!/usr/bin/env node
import { ApiClient, ApiError } from './api-client';
import { parseArgs, UsageError } from './args';
import { identityCommands } from './identity-commands';
import { adminCommands } from './admin-commands';

const USAGE = `usage: npm run cli -- <command> [options]
  connection: --url=http://127.0.0.1:8080 (or SWITCHBOARD_URL), --token=<admin token> (or SWITCHBOARD_TOKEN)
  commands: ${[...Object.keys(identityCommands), ...Object.keys(adminCommands)].join(', ')}`;

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const key2 = args.positional.slice(0, 2).join(' ');
  const all = { ...identityCommands, ...adminCommands };
  const handler = Object.prototype.hasOwnProperty.call(all, key2) ? all[key2] : undefined;
  if (!handler || args.options.help) {
    process.stderr.write(USAGE + '\n');
    return handler ? 0 : 2;
  }
  const url = args.options.url ?? process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';
  const token = args.options.token ?? process.env.SWITCHBOARD_TOKEN;
  const rest = { positional: args.positional.slice(2), options: args.options };
  const result = await handler(new ApiClient(url, token), rest);
  process.stdout.write((result === undefined ? 'ok' : JSON.stringify(result, null, 2)) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
    else if (err instanceof ApiError) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
