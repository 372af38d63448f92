import { loadAppConfig } from '../../../src/config/app-config';
import { DatabaseGuard, DatabaseUnavailableError } from '../../../src/database/database-guard';
import { DomainError } from '../../../src/common/errors/domain-error';
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
