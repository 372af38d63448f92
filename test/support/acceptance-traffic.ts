import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { completionBody, type Stack } from './stack';

/**
 * The shipped catalogue with the rollout guard on and only acceptance able to trip it: error
 * and latency limits out of reach, so a loaded machine's jitter does not decide a test.
 */
export function acceptanceGuardedCatalogue(dir: string, minShown: number): string {
  const file = path.join(dir, 'models.yml');
  const text = fs
    .readFileSync(path.join(__dirname, '../../config/models.yml'), 'utf8')
    .replace(/^(\s+)enabled: false/m, '$1enabled: true')
    .replace(/max_error_rate_delta: [\d.]+/, 'max_error_rate_delta: 1')
    .replace(/max_p95_latency_ratio: [\d.]+/, 'max_p95_latency_ratio: 100000')
    .replace(/min_shown: \d+/, `min_shown: ${minShown}`);
  if (!text.includes(`min_shown: ${minShown}`)) throw new Error('no acceptance block to edit');
  fs.writeFileSync(file, text);
  return file;
}

/** `n` users holding a Duo seat through one group. */
export async function seatedUsers(s: Stack, n: number) {
  const group = await s.f.group();
  const purchase = await s.f.purchase(group.id, n);
  const users = [];
  for (let i = 0; i < n; i++) {
    const u = await s.f.user();
    await s.f.member(group.id, u.id);
    await s.f.assign(group.id, purchase.id, u.id);
    users.push(u);
  }
  return users;
}

/**
 * One suggestion per user, as the Language Server reports it: the completion, then
 * `POST /api/v4/usage_data/track_event` with the user's token, shown and then accepted or
 * rejected. `accepts(onBeta, round)`: whether the suggestion is accepted.
 */
export async function suggestionRound(
  s: Stack,
  users: readonly { token: string }[],
  betaName: string,
  round: number,
  accepts: (onBeta: boolean, round: number) => boolean,
): Promise<void> {
  const track = (token: string, event: string, id: string, model: Record<string, string>) =>
    s.app.api.call('POST', '/api/v4/usage_data/track_event', {
      token,
      body: {
        event,
        additional_properties: {
          unique_tracking_id: id,
          timestamp: new Date().toISOString(),
          language: 'python',
          model_engine: model.engine,
          model_name: model.name,
        },
      },
    });
  const must = async (p: Promise<{ status: number; text: string }>) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`answered ${r.status}: ${r.text}`);
    return r;
  };
  for (const u of users) {
    const c = await s.app.api.call('POST', '/api/v4/code_suggestions/completions', {
      token: u.token,
      body: completionBody(),
    });
    if (c.status !== 200) throw new Error(`completion answered ${c.status}: ${c.text}`);
    const model = c.body.model as Record<string, string>;
    const id = randomUUID();
    await must(track(u.token, 'code_suggestion_shown_in_ide', id, model));
    const fate = accepts(model.name === betaName, round)
      ? 'code_suggestion_accepted_in_ide'
      : 'code_suggestion_rejected_in_ide';
    await must(track(u.token, fate, id, model));
  }
}
