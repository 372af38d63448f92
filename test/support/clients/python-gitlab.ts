import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Debian's python3-gitlab installs for the system interpreter, not for a pyenv/venv one. */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, 'python_gitlab_admin.py');

/** True when /usr/bin/python3 can import gitlab (CI installs python3-gitlab; see .ci/run). */
export function pythonGitlabAvailable(): boolean {
  return fs.existsSync('/usr/lib/python3/dist-packages/gitlab/__init__.py');
}

/**
 * Runs one scenario of python_gitlab_admin.py against `url` and returns what each call answered
 * (`{ error, message }` for a call that raised). Fails with the script's stderr if it crashes.
 */
export function runPythonGitlab(
  scenario: 'admin' | 'features',
  url: string,
  token: string,
  prefix: string,
): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(
      SYSTEM_PYTHON,
      [SCRIPT, scenario, url, token, prefix],
      { timeout: 120_000, maxBuffer: 4 * 1024 * 1024, env: { PATH: process.env.PATH ?? '' } },
      (err, stdout, stderr) => {
        if (err)
          return reject(new Error(`python-gitlab ${scenario} failed: ${err.message}\n${stderr}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as Record<string, any>);
        } catch {
          reject(new Error(`python-gitlab ${scenario} printed no JSON:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}
