import { type AnswerSample, completeMinutes, TrafficWindow } from './traffic-window';

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

describe('TrafficWindow: answers per complete minute', () => {
  it('complete minutes: the window ends with the minute before the one under way', () => {
    const m0 = T0 / 60_000;
    expect(completeMinutes(3, T0)).toEqual([m0 - 3, m0 - 2, m0 - 1]);
    // the last millisecond of a minute: that minute is still not complete
    expect(completeMinutes(1, T0 + 59_999)).toEqual([m0 - 1]);
    expect(completeMinutes(1, T0 + 60_000)).toEqual([m0]);
  });

  it('counts per complete minute by model, provider and API, zero-filled and oldest first', () => {
    const w = new TrafficWindow();
    w.record(sample(T0));
    w.record(sample(T0 + 1000));
    w.record(sample(T0 + 120_000, { provider: 'anthropic', model: 'claude' }));
    w.record(sample(T0 + 180_000, { provider: 'anthropic', model: 'claude' }));
    const s = w.series(3, T0 + 185_000);
    expect(s.minutes).toEqual([T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 120]);
    expect(s.by.provider).toEqual({ 'vertex-ai': [2, 0, 0], anthropic: [0, 0, 1] });
    expect(s.by.model['anthropic/claude']).toEqual([0, 0, 1]);
    expect(s.by.api).toEqual({ v2: [2, 0, 1] });
    // the minute under way is apart, so far
    expect(s.current).toEqual({
      minute: T0 / 1000 + 180,
      by: { model: { 'anthropic/claude': 1 }, provider: { anthropic: 1 }, api: { v2: 1 } },
    });
  });

  it('a minute joins the series once it is over', () => {
    const w = new TrafficWindow();
    w.record(sample(T0 + 30_000));
    expect(w.series(2, T0 + 59_999).by.provider).toEqual({});
    expect(w.series(2, T0 + 59_999).current.by.provider).toEqual({ 'vertex-ai': 1 });
    expect(w.series(2, T0 + 60_000).by.provider).toEqual({ 'vertex-ai': [0, 1] });
    expect(w.series(2, T0 + 60_000).current.by.provider).toEqual({});
  });

  it('leaves out minutes outside the window and forgets minutes older than it keeps', () => {
    const w = new TrafficWindow(5);
    w.record(sample(T0));
    expect(w.series(2, T0 + 3 * 60_000).by.provider).toEqual({});
    w.record(sample(T0 + 10 * 60_000));
    expect(w.series(60, T0 + 11 * 60_000).by.provider['vertex-ai'].reduce((a, b) => a + b)).toBe(1);
  });
});

describe('TrafficWindow: health', () => {
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

  it('health per API from upstream attempts: a failed attempt that was failed over counts', () => {
    const w = new TrafficWindow();
    // the v4 switch: the gateway picks the model, so the attempt has an API and no model
    w.recordAttempt({ at: T0, api: 'v4', ms: 50, ok: false });
    w.recordAttempt({ at: T0, upstream: 'vertex-ai/code-gecko@002', api: 'v2', ms: 50, ok: true });
    w.recordAttempt({ at: T0, api: 'v4', ms: 50, ok: true });
    const byApi = Object.fromEntries(w.health('api_attempts', 15, T0).map((h) => [h.label, h]));
    expect(byApi.v4).toMatchObject({ requests: 2, errors: 1, error_rate: 0.5 });
    expect(byApi.v2).toMatchObject({ requests: 1, errors: 0 });
    expect(w.health('attempts', 15, T0).map((h) => h.label)).toEqual(['vertex-ai/code-gecko@002']);
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
