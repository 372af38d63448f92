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

const BOOLEAN_FLAGS = new Set(['--admin', '--actors', '--json', '--help']);
const isBooleanFlag = (a: string) => BOOLEAN_FLAGS.has(a);

export class UsageError extends Error {}

export function required(options: Record<string, string>, name: string): string {
  const v = options[name];
  if (v === undefined || v === '') throw new UsageError(`--${name} is required`);
  return v;
}
