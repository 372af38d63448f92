import { type AnswerSample, TrafficWindow } from './traffic-window';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const sample = (at: number, over: Partial<AnswerSample> = {}): AnswerSample => ({
  at,
  provider: 'vertex-ai',
  model: 'code-gecko@002',
  api: 'v2',
  status: 200,
  ms: 100,
  ...over,
});

describe('TrafficWindow', () => {
  it('counts per minute by model, provider and API, zero-filled and oldest first', () => {
    const w = new TrafficWindow();
    w.record(sample(T0));
    w.record(sample(T0 + 1000));
    w.record(sample(T0 + 120_000, { provider: 'anthropic', model: 'claude' }));
    const s = w.series(3, T0 + 120_000);
    expect(s.minutes).toEqual([T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 120]);
    expect(s.by.provider).toEqual({ 'vertex-ai': [2, 0, 0], anthropic: [0, 0, 1] });
    expect(s.by.model['anthropic/claude']).toEqual([0, 0, 1]);
    expect(s.by.api).toEqual({ v2: [2, 0, 1] });
  });

  it('leaves out minutes outside the window and forgets minutes older than it keeps', () => {
    const w = new TrafficWindow(5);
    w.record(sample(T0));
    expect(w.series(2, T0 + 3 * 60_000).by.provider).toEqual({});
    w.record(sample(T0 + 10 * 60_000));
    expect(w.series(60, T0 + 10 * 60_000).by.provider['vertex-ai'].reduce((a, b) => a + b)).toBe(1);
  });

  it('health from upstream attempts: failures and p95 over the window', () => {
    const w = new TrafficWindow();
    for (let i = 1; i <= 20; i++)
      w.recordAttempt({ at: T0, upstream: 'vertex-ai/code-gecko@002', ms: i * 10, ok: i > 2 });
    w.recordAttempt({
      at: T0 - 20 * 60_000,
      upstream: 'vertex-ai/code-gecko@002',
      ms: 1,
      ok: false,
    });
    const [h] = w.health('attempts', 15, T0);
    expect(h).toEqual({
      label: 'vertex-ai/code-gecko@002',
      requests: 20,
      errors: 2,
      error_rate: 0.1,
      p95_ms: 200,
    });
  });

  it('health per API from answers: only 5xx answers are errors', () => {
    const w = new TrafficWindow();
    w.record(sample(T0, { api: 'v4', status: 502 }));
    w.record(sample(T0, { api: 'v4', status: 429 }));
    w.record(sample(T0, { api: 'v2' }));
    const byApi = Object.fromEntries(w.health('answers', 15, T0).map((h) => [h.label, h]));
    expect(byApi.v4).toMatchObject({ requests: 2, errors: 1, error_rate: 0.5 });
    expect(byApi.v2).toMatchObject({ requests: 1, errors: 0 });
  });
});
