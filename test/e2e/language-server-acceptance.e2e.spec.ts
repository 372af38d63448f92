import {
  executeSuggestionCommand,
  IDE_TELEMETRY_SETTINGS,
  LanguageServerWorkspace,
  LspClient,
  locateLanguageServerBundle,
  reportSuggestionShown,
} from '../support/language-server';
import { BACKUP_MODEL } from '../support/failover-helpers';
import { startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

jest.setTimeout(120_000);

const bundlePath = locateLanguageServerBundle();
const suite = bundlePath ? describe : describe.skip;
const FAILOVER = 'incident_fail_over_completion_provider';
const BETA_FLAG = 'code_completion_model_codestral_2508_vertex';
const BETA_KEY = 'codestral-2508-vertex';

interface Counts {
  shown: number;
  accepted: number;
  rejected: number;
}

/**
 * The real GitLab Language Server, driven as an IDE drives it: a completion, the suggestion
 * shown, then accepted through its `gitlab.ls.codeSuggestionAccepted` command, or left open until
 * the next request (the LS then reports it rejected). The LS posts each to our track_event; the
 * counts (GET acceptance) move for the model and arm that served it, on the direct path (the
 * decision in the direct_access token) and the indirect one (the decision we proxied).
 */
suite('GitLab Language Server: suggestion acceptance', () => {
  let s: Stack;
  let ws: LanguageServerWorkspace;

  const session = (token: string) =>
    ws.open({ baseUrl: s.app.url, token, extra: { telemetry: IDE_TELEMETRY_SETTINGS } });
  const complete = async (client: LspClient) => {
    const from = s.mark();
    const { items } = await ws.complete(client, { line: 1, character: 4 });
    expect(items.length).toBeGreaterThan(0);
    const paths = s.since(from).map((r) => r.path);
    return { item: items[0], paths };
  };
  const counts = async (model: string, arm: string): Promise<Counts & { gate?: string | null }> => {
    const r = await s.app.api.call('GET', '/api/v4/code_suggestions/acceptance?minutes=30', {
      token: s.app.rootToken,
    });
    const rows = r.body.arms as Array<Counts & { model: string; arm: string; gate: string | null }>;
    return (
      rows.find((x) => x.model === model && x.arm === arm) ?? { shown: 0, accepted: 0, rejected: 0 }
    );
  };
  /** Waits for the LS's events to reach the counts: the event, not a fixed time. */
  const countsReach = async (model: string, arm: string, want: Counts) => {
    let last: (Counts & { gate?: string | null }) | undefined;
    await waitUntil(
      async () => {
        last = await counts(model, arm);
        return (
          last.shown === want.shown &&
          last.accepted === want.accepted &&
          last.rejected === want.rejected
        );
      },
      `${model} ${arm} to count ${JSON.stringify(want)} (last: ${JSON.stringify(last)})`,
      { intervalMs: 200 },
    );
    return last!;
  };

  beforeAll(async () => {
    ws = new LanguageServerWorkspace(bundlePath!, 'main.py', 'def fibonacci(n):\n    ');
    s = await startStack();
  }, 60_000);
  afterAll(async () => {
    await ws?.dispose();
    await s?.close();
  });

  it('direct path: accepted and rejected suggestions count for the beta model and arm of the token', async () => {
    const { user } = await s.f.seatedUser();
    await s.f.setFlag(BETA_FLAG, { value: true, user: user.username });
    const arm = `beta:${BETA_FLAG}`;
    const a = await session(user.token);

    const first = await complete(a);
    expect(first.paths).toEqual(['/v2/completions']); // the IDE called the gateway itself
    expect(first.item.insertText).toContain('codestral_2508_vertex');
    reportSuggestionShown(a, first.item);
    await countsReach(BETA_KEY, arm, { shown: 1, accepted: 0, rejected: 0 });
    executeSuggestionCommand(a, first.item);
    const accepted = await countsReach(BETA_KEY, arm, { shown: 1, accepted: 1, rejected: 0 });
    expect(accepted.gate).toBe('actors');

    // shown, not accepted: the next request makes the LS report it rejected
    const second = await complete(a);
    reportSuggestionShown(a, second.item);
    await countsReach(BETA_KEY, arm, { shown: 2, accepted: 1, rejected: 0 });
    const third = await complete(a);
    expect(third.paths).toEqual(['/v2/completions']);
    await countsReach(BETA_KEY, arm, { shown: 2, accepted: 1, rejected: 1 });
    await s.app.api.call('DELETE', `/api/v4/features/${BETA_FLAG}`, { token: s.app.rootToken });
  });

  it('indirect path: counts for the model we proxied and its arm (manual failover to the backup)', async () => {
    const { user } = await s.f.seatedUser();
    await s.f.setFlag(FAILOVER, { value: true });
    try {
      const b = await session(user.token);
      const served = await complete(b);
      expect(served.paths).toEqual(['/v2/code/completions']); // through our completions endpoint
      reportSuggestionShown(b, served.item);
      executeSuggestionCommand(b, served.item);
      await countsReach(BACKUP_MODEL.key, 'failover_manual', {
        shown: 1,
        accepted: 1,
        rejected: 0,
      });
    } finally {
      await s.app.api.call('DELETE', `/api/v4/features/${FAILOVER}`, { token: s.app.rootToken });
    }
  });
});
