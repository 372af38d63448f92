/** Shared by the failover e2e specs: the models, a cancelling client, Prometheus scrape parsing. */
import * as http from 'node:http';
import type { RecordedRequest } from '../../src/stub-gateway/stub-gateway.types';
import type { ModelSpec } from '../../src/routing/routing.types';
import { shippedCatalogue } from './catalogue';
import { completionBody } from './stack';

const catalogue = shippedCatalogue();
const defaultRule = catalogue.completionRules.find((r) => r.kind === 'default');
if (defaultRule?.kind !== 'default' || !catalogue.completionFailover) {
  throw new Error('config/models.yml: the failover tests need a default and a failover rule');
}
/** The shipped catalogue's default model and its incident backup. */
export const PRIMARY_MODEL: ModelSpec = defaultRule.model;
export const BACKUP_MODEL: ModelSpec = catalogue.completionFailover.model;

const served = (m: ModelSpec) => {
  if (!m.gitlabIdentifier) throw new Error(`models.yml: ${m.key} has no gitlab_identifier`);
  return m.gitlabIdentifier;
};
/**
 * The primary as the gateway serves it (`gitlab` + its catalogue identifier, on v2 and v4 alike):
 * a stub fault target, the name in the stub's answer text and in its request record.
 */
export const PRIMARY = { provider: 'gitlab', model: served(PRIMARY_MODEL) };
/** The backup's catalogue identifier: in the answer text and the stub's request record. */
export const BACKUP = served(BACKUP_MODEL);
/** The breakers' and the console's name of the primary: our provider/model_name. */
export const PRIMARY_UPSTREAM = `${PRIMARY_MODEL.provider}/${PRIMARY_MODEL.name}`;
export const BACKUP_UPSTREAM = `${BACKUP_MODEL.provider}/${BACKUP_MODEL.name}`;
/** The catalogue identifier of the model that served a request the stub recorded. */
export const servedModel = (r: RecordedRequest): string | undefined => r.model?.name;
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
