import { runCli } from '../../src/cli/run-cli';

/** The CLI run in-process, as `npm run cli -- …` would: exit code and what it wrote. */
export async function runCliCaptured(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env,
  });
  return { code, out, err };
}
