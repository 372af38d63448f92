/** `a b --x=1 --flag --y 2` → positional [a, b], options {x:'1', flag:'true', y:'2'}. */
export interface ParsedArgs {
  positional: string[];
  options: Record<string, string>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      options[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--') && !isBooleanFlag(arg)) {
      options[arg.slice(2)] = argv[++i];
    } else {
      options[arg.slice(2)] = 'true';
    }
  }
  return { positional, options };
}

const BOOLEAN_FLAGS = new Set(['--admin', '--actors', '--json', '--help', '--immediate']);
const isBooleanFlag = (a: string) => BOOLEAN_FLAGS.has(a);

export class UsageError extends Error {}

/** Options every command takes: where the instance is, and help. */
export const CONNECTION_OPTIONS = ['url', 'token', 'help'] as const;

export interface Command<A> {
  /** `ARGS --options`, then a line that says what it does: printed by `<command> --help`. */
  help: string;
  /** The options this command reads (besides CONNECTION_OPTIONS); anything else is refused. */
  options: readonly string[];
  run(api: A, args: ParsedArgs): Promise<unknown>;
}

/**
 * A misspelt option must not be ignored: `feature set F true --usr=demo` would otherwise turn F
 * on for everyone. Unknown options are a usage error (exit code 2).
 */
export function rejectUnknownOptions(
  command: string,
  allowed: readonly string[],
  options: Record<string, string>,
): void {
  const known = new Set<string>([...allowed, ...CONNECTION_OPTIONS]);
  const unknown = Object.keys(options).filter((o) => !known.has(o));
  if (unknown.length === 0) return;
  const list = allowed.length > 0 ? allowed.map((o) => `--${o}`).join(', ') : 'none';
  throw new UsageError(
    `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((o) => `--${o}`).join(', ')} ` +
      `for '${command}' (its options: ${list})`,
  );
}

export function required(options: Record<string, string>, name: string): string {
  const v = options[name];
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
