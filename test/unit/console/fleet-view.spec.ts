import {
  type ConsoleSnapshot,
  mergeBreakers,
  mergeFailover,
  mergeHealth,
  mergeSeries,
  snapshotOf,
} from '../../../src/console/fleet-view';
import { TrafficWindow } from '../../../src/console/traffic-window';

const MIN = 60_000;
const NOW = 100 * MIN + 30_000; // half-way through minute 100
const inactive = { active: false, since: null, breakers: [], failed_over: 0, routes: [] };

function process(answers: { minute: number; model: string }[], attempts: number[]) {
  const w = new TrafficWindow();
  for (const a of answers)
    w.record({ at: a.minute * MIN, provider: 'p', model: a.model, api: 'v2', status: 200, ms: 5 });
  attempts.forEach((ms, i) =>
    w.recordAttempt({ at: 100 * MIN + i, upstream: 'p/m', ok: i > 0, ms }),
  );
  return snapshotOf(w, { breakers: {}, transitions: [], failover: inactive }, NOW);
}

describe('the fleet view: processes added up', () => {
  it('answers per complete minute added minute by minute; the minute under way apart', () => {
    const a = process(
      [
        { minute: 100, model: 'm' },
        { minute: 99, model: 'm' },
        { minute: 50, model: 'm' },
      ],
      [],
    );
    const b = process(
      [
        { minute: 100, model: 'm' },
        { minute: 100, model: 'n' },
      ],
      [],
    );
    const s = mergeSeries([a, b], 2, NOW);
    expect(s.minutes).toEqual([98 * 60, 99 * 60]);
    expect(s.by.model).toEqual({ 'p/m': [0, 1] });
    expect(s.by.api).toEqual({ v2: [0, 1] });
    expect(s.current).toEqual({
      minute: 100 * 60,
      by: { model: { 'p/m': 2, 'p/n': 1 }, provider: { p: 3 }, api: { v2: 3 } },
    });
    // read after the minute turned, before the processes publish again: their minute under
    // way is a complete minute now, counted as one, and nothing is in this minute yet
    const later = mergeSeries([a, b], 2, NOW + MIN);
    expect(later.by.model).toEqual({ 'p/m': [1, 2], 'p/n': [0, 1] });
    expect(later.current.by.model).toEqual({});
  });

  it('a process of an older release (no current minute, no attempts per API) is read, not fatal', () => {
    const a = process([{ minute: 100, model: 'm' }], [10]);
    const old = {
      ...a,
      series: { minutes: a.series.minutes, by: a.series.by },
      health: { attempts: a.health.attempts, answers: a.health.answers },
    } as unknown as ConsoleSnapshot;
    expect(mergeHealth([old], 'api_attempts', 15, NOW)).toEqual([]);
    expect(mergeSeries([old, a], 2, NOW).current.by.model).toEqual({ 'p/m': 1 });
  });

  it('health: requests and errors summed, p95 the highest per-minute p95 of any process', () => {
    const a = process([], [100, 10, 10]);
    const b = process([], [400, 20]);
    expect(mergeHealth([a, b], 'attempts', 15, NOW)).toEqual([
      { label: 'p/m', requests: 5, errors: 2, error_rate: 0.4, p95_ms: 400 },
    ]);
  });

  it('breakers: the state furthest from closed; failover activity: earliest since, counts summed', () => {
    const snap = (over: Partial<ConsoleSnapshot>): ConsoleSnapshot => ({
      ...process([], []),
      ...over,
    });
    const a = snap({
      breakers: { 'p/m': 'open', 'p/n': 'closed' },
      failover: {
        active: true,
        since: '2026-01-01T00:00:05.000Z',
        breakers: [{ upstream: 'p/m', state: 'open', since: '2026-01-01T00:00:05.000Z' }],
        failed_over: 3,
        routes: [{ from_model: 'm', to_model: 'b', trigger: 'breaker_open', count: 3 }],
      },
    });
    const b = snap({
      breakers: { 'p/m': 'half_open', 'p/n': 'isolated' },
      failover: {
        active: true,
        since: '2026-01-01T00:00:01.000Z',
        breakers: [{ upstream: 'p/m', state: 'half_open', since: '2026-01-01T00:00:01.000Z' }],
        failed_over: 2,
        routes: [{ from_model: 'm', to_model: 'b', trigger: 'breaker_open', count: 2 }],
      },
    });
    expect(mergeBreakers([a, b])).toEqual({ 'p/m': 'open', 'p/n': 'isolated' });
    expect(mergeFailover([a, b, snap({})])).toEqual({
      active: true,
      since: '2026-01-01T00:00:01.000Z',
      breakers: [{ upstream: 'p/m', state: 'open', since: '2026-01-01T00:00:01.000Z' }],
      failed_over: 5,
      routes: [{ from_model: 'm', to_model: 'b', trigger: 'breaker_open', count: 5 }],
    });
    expect(mergeFailover([snap({})])).toEqual(inactive);
  });
});
