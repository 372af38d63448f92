import { ApiClient, ApiError } from './api-client';
import { parseArgs, rejectUnknownOptions, UsageError } from './args';
import { adminCommands } from './admin-commands';
import { identityCommands } from './identity-commands';
import { modelSelectionCommands } from './model-selection-commands';

const ALL = { ...identityCommands, ...adminCommands, ...modelSelectionCommands };

const CONNECTION = `  connection: --url=http://127.0.0.1:8080 (or SWITCHBOARD_URL), --token=<admin token> (or SWITCHBOARD_TOKEN)`;

export const USAGE = `usage: npm run cli -- <command> [options]
${CONNECTION}
  commands: ${Object.keys(ALL).join(', ')}
  help on one command: npm run cli -- <command> --help (e.g. seat assign --help)`;

/** `seat assign --help`: its arguments, what it does, its options. */
export function commandUsage(name: string): string {
  const [synopsis, ...what] = ALL[name].help.split('\n');
  return [
    `usage: npm run cli -- ${name} ${synopsis}`.trimEnd(),
    ...what.map((line) => `  ${line}`),
    CONNECTION,
  ].join('\n');
}

/**
 * The leading upper-case words of a command's synopsis (`GROUP_ID PURCHASE_ID`) are required:
 * without this check `seat assign --user=a` would call /groups/undefined/….
 */
function requirePositionals(name: string, given: string[]): void {
  const words = ALL[name].help.split('\n')[0].split(' ');
  const end = words.findIndex((w) => !/^[A-Z][A-Z_]*$/.test(w));
  const needed = end === -1 ? words : words.slice(0, end);
  if (given.length < needed.length)
    throw new UsageError(`${name} needs ${needed.slice(given.length).join(' ')}`);
}

/** `seat --help` (a command's first word only): the commands under it. */
function topicUsage(topic: string): string | undefined {
  const names = Object.keys(ALL).filter((n) => n.startsWith(`${topic} `));
  if (names.length === 0) return undefined;
  return names.map(commandUsage).join('\n\n');
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

/** The CLI as a function (tests call it in-process); returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let usageOf = USAGE;
  try {
    const args = parseArgs(argv);
    const key2 = args.positional.slice(0, 2).join(' ');
    const command = Object.prototype.hasOwnProperty.call(ALL, key2) ? ALL[key2] : undefined;
    if (!command || args.options.help) {
      const help = command ? commandUsage(key2) : (topicUsage(args.positional[0] ?? '') ?? USAGE);
      // Asked for help: it goes to stdout with success; a wrong command is a usage error.
      if (args.options.help) io.out(help + '\n');
      else if (args.positional.length === 0) io.err(help + '\n');
      else io.err(`error: unknown command '${args.positional.join(' ')}'\n${help}\n`);
      return args.options.help ? 0 : 2;
    }
    usageOf = commandUsage(key2);
    rejectUnknownOptions(key2, command.options, args.options);
    requirePositionals(key2, args.positional.slice(2));
    const url = args.options.url ?? io.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:8080';
    const token = args.options.token ?? io.env.SWITCHBOARD_TOKEN;
    if (!token) {
      io.err(
        'error: no token: set SWITCHBOARD_TOKEN (or --token=) to an admin personal access token\n',
      );
      return 2;
    }
    const rest = { positional: args.positional.slice(2), options: args.options };
    const result = await command.run(new ApiClient(url, token), rest);
    io.out((result === undefined ? 'ok' : JSON.stringify(result, null, 2)) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n${usageOf}\n`);
      return 2;
    }
    io.err(`error: ${err instanceof ApiError ? err.message : (err as Error).message}\n`);
    return 1;
  }
}
