/**
 * A test fleet of real Language Server processes, one user each, that keep asking for inline
 * completions (as users who keep typing). Every completion is classified by what reached the twin
 * gateway for that user (X-Gitlab-Global-User-Id): the LS's own direct call (`/v2/completions`)
 * or our indirect call (`/v2/code/completions`). Used by the direct-access convergence e2e and its
 * bench (bench/direct-access-convergence.js).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { RecordedRequest } from '../../../src/stub-gateway/stub-gateway.types';
import { initializeLanguageServer } from './handshake';
import { fileUri } from './handshake';
import { LspClient, requestInlineCompletion, startLanguageServer } from './lsp-client';

export interface FleetUser {
  token: string;
  /** X-Gitlab-Global-User-Id of the user: how the twin's log is split per member. */
  globalUserId: string;
}

/** One completion as the twin saw it. */
export interface Sample {
  /** When the request that served it reached the twin (epoch ms). */
  at: number;
  way: 'direct' | 'indirect' | 'none';
  /** `model_provider/model_name` of the direct body, or the model the twin resolved (indirect). */
  model: string;
  /** Direct calls the twin refused (401) before the completion went indirect. */
  refusedDirect: number;
}

export interface Member {
  readonly name: string;
  readonly client: LspClient;
  readonly samples: Sample[];
  /** Epoch ms of every direct_access answer the LS logged (the usage check's included). */
  readonly directAccessCalls: number[];
}

const DIRECT_ACCESS_ANSWER = /code_suggestions\/direct_access returned HTTP \d{3}/g;
const TEXT = 'def fibonacci(n):\n    ';

export interface FleetOptions {
  bundlePath: string;
  scratchDir: string;
  baseUrl: string;
  users: FleetUser[];
  /** The twin's request log since a mark (Stack.mark/since). */
  mark: () => number;
  since: (mark: number) => RecordedRequest[];
  /** Gap between one member's completions; default 500 ms. */
  intervalMs?: number;
}

export class LanguageServerFleet {
  readonly members: Member[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  private constructor(private readonly opts: FleetOptions) {}

  static async start(opts: FleetOptions): Promise<LanguageServerFleet> {
    const fleet = new LanguageServerFleet(opts);
    const ws = path.join(opts.scratchDir, 'ws');
    fs.mkdirSync(ws, { recursive: true });
    fs.writeFileSync(path.join(ws, 'main.py'), TEXT);
    for (const [i, user] of opts.users.entries()) {
      const home = fs.mkdtempSync(path.join(opts.scratchDir, `home-${i}-`));
      const client = startLanguageServer({ bundlePath: opts.bundlePath, home });
      const member = { name: `ls-${i}`, client, samples: [], directAccessCalls: [] };
      fleet.members.push(member);
      await initializeLanguageServer(client, {
        baseUrl: opts.baseUrl,
        token: user.token,
        workspaceDir: ws,
      });
    }
    fleet.running = true;
    fleet.loops = fleet.members.map((m, i) => fleet.loop(m, opts.users[i]));
    return fleet;
  }

  /**
   * Resolves with the epoch ms at which every member had sent `settle` completions in a row that
   * `isNew` accepts, each after `since` (the time of the first of them, the latest over members).
   */
  async convergedAt(
    since: number,
    isNew: (s: Sample) => boolean,
    { timeoutMs, settle = 3 }: { timeoutMs: number; settle?: number },
  ): Promise<{ at: number; perMember: number[] }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const perMember = this.members.map((m) => firstOfRun(m.samples, since, isNew, settle));
      if (perMember.every((t) => t !== undefined))
        return { at: Math.max(...perMember), perMember: perMember };
      if (Date.now() > deadline) {
        const last = this.members.map((m) => `${m.name}: ${JSON.stringify(m.samples.at(-1))}`);
        throw new Error(
          `fleet not converged within ${timeoutMs} ms; last samples ${last.join('; ')}`,
        );
      }
      await delay(100);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    for (const m of this.members) await m.client.dispose();
  }

  private async loop(m: Member, user: FleetUser): Promise<void> {
    const interval = this.opts.intervalMs ?? 500;
    let logSeen = 0;
    while (this.running) {
      const from = this.opts.mark();
      await requestInlineCompletion(m.client, {
        uri: fileUri(path.join(this.opts.scratchDir, 'ws', 'main.py')),
        text: TEXT,
        line: 1,
        character: 4,
        languageId: 'python',
      }).catch(() => undefined); // a failure shows as a sample with way 'none'
      const mine = this.opts
        .since(from)
        .filter((r) => r.headers['x-gitlab-global-user-id'] === user.globalUserId);
      m.samples.push(classify(mine));
      const log = m.client.stderr;
      const answers = log.slice(logSeen).match(DIRECT_ACCESS_ANSWER)?.length ?? 0;
      logSeen = log.length;
      for (let i = 0; i < answers; i++) m.directAccessCalls.push(Date.now());
      await delay(interval);
    }
  }
}

function classify(requests: RecordedRequest[]): Sample {
  const refusedDirect = requests.filter(
    (r) => r.path === '/v2/completions' && r.status === 401,
  ).length;
  const served = requests.find((r) => r.status === 200);
  if (!served) return { at: Date.now(), way: 'none', model: '', refusedDirect };
  if (served.path === '/v2/completions') {
    const b = served.body as { model_provider?: string; model_name?: string };
    return {
      at: served.time,
      way: 'direct',
      model: `${b.model_provider}/${b.model_name}`,
      refusedDirect,
    };
  }
  return { at: served.time, way: 'indirect', model: served.model?.name ?? '', refusedDirect };
}

/** The time of the first sample after `since` that starts a run of `n` accepted samples. */
function firstOfRun(
  samples: Sample[],
  since: number,
  ok: (s: Sample) => boolean,
  n: number,
): number | undefined {
  const after = samples.filter((s) => s.at >= since);
  for (let i = 0; i + n <= after.length; i++) {
    if (after.slice(i, i + n).every(ok) && after.slice(i).every(ok)) return after[i].at;
  }
  return undefined;
}

/** direct_access answers in [from, to) per member. */
export function callsBetween(m: Member, from: number, to: number): number {
  return m.directAccessCalls.filter((t) => t >= from && t < to).length;
}
