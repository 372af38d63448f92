/**
 * `promtool check metrics` (Debian package `prometheus`) on a scrape's text. Outside CI a
 * machine without promtool skips the check and says so; under CI=true it is required.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const CANDIDATES = ['/usr/bin/promtool', '/usr/local/bin/promtool'];
export const PROMTOOL = CANDIDATES.find((p) => fs.existsSync(p));

if (!PROMTOOL && process.env.CI === 'true')
  throw new Error('CI: promtool is required (Debian package prometheus, /usr/bin/promtool)');

/** `it` when promtool is installed; otherwise a skipped test whose name says why. */
export const itWithPromtool = (name: string, fn: () => Promise<void>, timeoutMs?: number) =>
  PROMTOOL
    ? it(name, fn, timeoutMs)
    : it.skip(`${name} [skipped: promtool not installed; apt-get install prometheus]`, fn);

/** promtool's verdict: exit status and what it printed (each lint problem is a line). */
export function promtoolCheck(text: string): { status: number; output: string } {
  const r = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}
