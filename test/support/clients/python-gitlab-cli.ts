import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SYSTEM_PYTHON } from './python-gitlab';

const SCRIPT = path.join(__dirname, 'python_gitlab_flows.py');

/** True when Debian's gitlab-cli (the `python-gitlab` command) is installed (CI installs it). */
export function gitlabCliAvailable(): boolean {
  return fs.existsSync('/usr/bin/python-gitlab');
}

export interface CliAnswer {
  code: number;
  /** The parsed JSON output (`-o json`), or the raw text when it is not JSON. */
  out: any;
  stderr: string;
}

/**
 * The `python-gitlab` CLI against `url` as `token`, from a config file of its own (the CLI reads
 * no token from the environment in 3.12). Answers are JSON (`-o json`).
 */
export function gitlabCli(url: string, token: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'python-gitlab-'));
  const config = path.join(dir, 'python-gitlab.cfg');
  fs.writeFileSync(
    config,
    `[global]\ndefault = sb\n\n[sb]\nurl = ${url}\nprivate_token = ${token}\napi_version = 4\n`,
    { mode: 0o600 },
  );
  const run = (...args: string[]): Promise<CliAnswer> =>
    new Promise((resolve) => {
      execFile(
        '/usr/bin/python-gitlab',
        ['-c', config, '-o', 'json', ...args],
        { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: dir } },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          let out: any = stdout.trim();
          try {
            out = out === '' ? null : JSON.parse(out);
          } catch {
            // not JSON (e.g. a custom action's plain answer): keep the text
          }
          resolve({ code, out, stderr });
        },
      );
    });
  return { run, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Runs python_gitlab_flows.py (the Python API side of issue #26) and returns its answers. */
export function runPythonGitlabFlows(
  url: string,
  token: string,
  prefix: string,
): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(
      SYSTEM_PYTHON,
      [SCRIPT, url, token, prefix],
      { timeout: 120_000, maxBuffer: 4 * 1024 * 1024, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`python-gitlab flows failed: ${err.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, any>);
        } catch {
          reject(new Error(`python-gitlab flows printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
