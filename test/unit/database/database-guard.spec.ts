import { loadAppConfig } from '../../../src/config/app-config';
import { DatabaseGuard, DatabaseUnavailableError } from '../../../src/database/database-guard';
import { DomainError } from '../../../src/common/errors/domain-error';
import type { ChangeBus } from '../../../src/common/fleet/change-bus';
import { useProcessLogger } from '../../../src/common/logging/logger';

// The guard logs its state changes; not on the test's output.
beforeAll(() => useProcessLogger('silent'));

const guardWith = (env: Record<string, string>) =>
  new DatabaseGuard(
    loadAppConfig({ DATABASE_DEADLINE_MS: '50', DATABASE_PROBE_AFTER_MS: '100', ...env }),
  );
const hung = () => new Promise<never>(() => undefined);
const refused = () => Promise.reject(new Error('connect ECONNREFUSED'));
const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (err: unknown) => (err instanceof DatabaseUnavailableError ? err.reason : String(err)),
  );

describe('DatabaseGuard: deadline and breaker on request-path database calls', () => {
  it('passes answers through while the database is up', async () => {
    const guard = guardWith({});
    await expect(guard.run(() => Promise.resolve(42))).resolves.toBe(42);
    expect(guard.down).toBe(false);
  });

  it('a hung call fails at the deadline (reason timeout), not when the server wakes up', async () => {
    const guard = guardWith({ DATABASE_DEADLINE_MS: '50' });
    await expect(reason(guard.run(hung))).resolves.toBe('timeout');
  });

  it('without a cached answer to serve, a slow call is waited for (no deadline), unless down', async () => {
    const guard = guardWith({ DATABASE_DEADLINE_MS: '50' });
    const outcome = await Promise.race([
      reason(guard.run(hung, false)),
      new Promise((r) => setTimeout(() => r('still waiting'), 300)),
    ]);
    expect(outcome).toBe('still waiting');
  });

  it('after THRESHOLD failures the database is down: calls fail at once without running', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '2' });
    expect(await reason(guard.run(refused))).toBe('error');
    expect(await reason(guard.run(hung))).toBe('timeout');
    expect(guard.down).toBe(true);
    expect(guard.downForMs()).toBeGreaterThanOrEqual(0);
    let ran = false;
    const r = await reason(
      guard.run(() => {
        ran = true;
        return Promise.resolve(1);
      }),
    );
    expect({ r, ran }).toEqual({ r: 'down', ran: false });
  });

  it('a probe after DATABASE_PROBE_AFTER_MS that answers closes the breaker', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '1', DATABASE_PROBE_AFTER_MS: '100' });
    await reason(guard.run(refused));
    expect(guard.down).toBe(true);
    let answered = false;
    const until = Date.now() + 10_000;
    while (!answered && Date.now() < until) {
      answered = (await reason(guard.run(() => Promise.resolve(1)))) === 'answered';
      if (!answered) await new Promise((r) => setTimeout(r, 25));
    }
    expect(answered).toBe(true);
    expect(guard.down).toBe(false);
    expect(guard.downForMs()).toBeUndefined();
  });

  it('domain errors (the caller’s own verdicts) pass through and never count', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '1' });
    const own = DomainError.notFound('User');
    await expect(guard.run(() => Promise.reject(own))).rejects.toBe(own);
    expect(guard.down).toBe(false);
  });
});

describe('DatabaseGuard: recovery without a tail', () => {
  const down = async (guard: DatabaseGuard) => {
    await reason(guard.run(refused));
    expect(guard.down).toBe(true);
  };

  it('a caller with nothing cached probes at once instead of a 503 until the probe turn', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '1', DATABASE_PROBE_AFTER_MS: '60000' });
    await down(guard);
    // one with a cached answer waits for its turn (a minute away) ...
    expect(await reason(guard.run(() => Promise.resolve(1)))).toBe('down');
    // ... one without is the probe: the database answers, the breaker closes
    expect(await reason(guard.run(() => Promise.resolve(1), false))).toBe('answered');
    expect(guard.down).toBe(false);
  });

  it('callers with nothing cached wait for the probe in flight and take its verdict', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '1', DATABASE_PROBE_AFTER_MS: '60000' });
    await down(guard);
    let answer!: (v: number) => void;
    const probe = guard.run(() => new Promise<number>((r) => (answer = r)), false);
    let ran = 0;
    const waiting = guard.run(() => Promise.resolve(++ran), false);
    // a caller with a cached answer does not wait: it serves that answer
    expect(await reason(guard.run(() => Promise.resolve(1)))).toBe('down');
    expect(ran).toBe(0);
    answer(7);
    await expect(probe).resolves.toBe(7);
    await expect(waiting).resolves.toBe(1);

    await down(guard);
    const failing = guard.run(refused, false);
    const refusedToo = reason(guard.run(() => Promise.resolve(2), false));
    expect(await reason(failing)).toBe('error');
    expect(await refusedToo).toBe('down');
  });

  it('a probe while down gets the deadline even without a cached answer', async () => {
    const guard = guardWith({ DATABASE_BREAKER_THRESHOLD: '1', DATABASE_DEADLINE_MS: '50' });
    await down(guard);
    expect(await reason(guard.run(hung, false))).toBe('timeout');
  });

  it('another process seeing the database back makes the next call probe before its turn', async () => {
    const handlers: Array<() => void> = [];
    const published: string[] = [];
    const bus: ChangeBus = {
      origin: 'test',
      publish: (topic) => void published.push(topic),
      subscribe: (_topic, h) => void handlers.push(() => h(undefined, 'other')),
    };
    const config = loadAppConfig({
      DATABASE_BREAKER_THRESHOLD: '1',
      DATABASE_PROBE_AFTER_MS: '60000',
    });
    const guard = new DatabaseGuard(config, bus);
    await down(guard);
    expect(await reason(guard.run(() => Promise.resolve(1)))).toBe('down');
    handlers.forEach((h) => h());
    expect(await reason(guard.run(() => Promise.resolve(1)))).toBe('answered');
    expect(guard.down).toBe(false);
    // and it tells the fleet in turn
    expect(published).toEqual(['database.back']);
  });
});
