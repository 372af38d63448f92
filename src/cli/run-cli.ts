import { ApiClient, ApiError } from './api-client';
import { parseArgs, rejectUnknownOptions, UsageError } from './args';
import { adminCommands } from './admin-commands';
import { identityCommands } from './identity-commands';

const ALL = { ...identityCommands, ...adminCommands };

export const USAGE = `usage: npm run cli -- <command> [options]
  connection: --url=http://127.0.0.1:8080 (or SWITCHBOARD_URL), --token=<admin token> (or SWITCHBOARD_TOKEN)
  commands: ${Object.keys(ALL).join(', ')}`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** The CLI as a function (tests call it in-process); returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    const key2 = args.positional.slice(0, 2).join(' ');
    const command = Object.prototype.hasOwnProperty.call(ALL, key2) ? ALL[key2] : undefined;
    if (!command || args.options.help) {
      io.err(USAGE + '\n');
      return command ? 0 : 2;
    }
    rejectUnknownOptions(key2, command.options, args.options);
    const url = args.options.url ?? io.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';
    const token = args.options.token ?? io.env.SWITCHBOARD_TOKEN;
    const rest = { positional: args.positional.slice(2), options: args.options };
    const result = await command.run(new ApiClient(url, token), rest);
    io.out((result === undefined ? 'ok' : JSON.stringify(result, null, 2)) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    io.err(`error: ${err instanceof ApiError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
