/** Shared by the failover e2e specs: the models, a cancelling client, Prometheus scrape parsing. */
import * as http from 'node:http';
import { completionBody } from './stack';

export const PRIMARY = { provider: 'vertex-ai', model: 'code-gecko@002' };
export const BACKUP = 'claude-3-5-sonnet-20240620';
export const PRIMARY_UPSTREAM = `${PRIMARY.provider}/${PRIMARY.model}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A completion whose client (an IDE as the user keeps typing) closes the connection after `ms`. */
export function completionDroppedAfter(url: string, token: string, ms: number): Promise<void> {
  const u = new URL(url);
  const body = JSON.stringify(completionBody());
  return new Promise<void>((resolve) => {
    const req = http.request({
      host: u.hostname,
      port: u.port,
      path: '/api/v4/code_suggestions/completions',
      method: 'POST',
      headers: {
        'private-token': token,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('error', () => undefined);
    req.end(body);
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

/** Samples of one metric from a Prometheus text scrape, labels parsed. */
export function samples(
  text: string,
  name: string,
): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `match`. */
export function metricSum(text: string, name: string, match: Record<string, string>): number {
  return samples(text, name)
    .filter((x) => Object.entries(match).every(([k, v]) => x.labels[k] === v))
    .reduce((a, x) => a + x.value, 0);
}
