import { BrokenCircuitError } from 'cockatiel';
import { DomainError } from '../../../src/common/errors/domain-error';
import { BreakersService, NeutralOutcome } from '../../../src/resilience/breakers.service';

const P = 'vertex-ai';
const M = 'code-gecko@002';
const HALF_OPEN_MS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fail = () => Promise.reject(new Error('503'));
const cancelled = () =>
  Promise.reject(new DomainError('client_closed_request', 'client closed the request'));

async function openBreaker(b: BreakersService): Promise<void> {
  for (let i = 0; i < 2; i++) await expect(b.execute(P, M, fail)).rejects.toThrow('503');
  expect(b.states()[`${P}/${M}`]).toBe('open');
}

describe('BreakersService', () => {
  let b: BreakersService;
  beforeEach(() => {
    b = new BreakersService();
    b.configure({ threshold: 2, halfOpenAfterMs: HALF_OPEN_MS });
  });

  it('a cancelled half-open probe re-opens the breaker instead of closing it', async () => {
    await openBreaker(b);
    await sleep(HALF_OPEN_MS + 10);
    await expect(b.execute(P, M, cancelled)).rejects.toMatchObject({
      code: 'client_closed_request',
    });
    expect(b.states()[`${P}/${M}`]).toBe('open');
    expect(b.isClosed(P, M)).toBe(false);
  });

  it('client cancellations while closed count neither way', async () => {
    await expect(b.execute(P, M, fail)).rejects.toThrow('503');
    await expect(b.execute(P, M, cancelled)).rejects.toMatchObject({
      code: 'client_closed_request',
    });
    await expect(b.execute(P, M, fail)).rejects.toThrow('503');
    expect(b.states()[`${P}/${M}`]).toBe('open'); // the cancellation did not reset the count
  });

  it('tells the probe it is the probe, and only the probe', async () => {
    const seen: boolean[] = [];
    const ok = (probe: boolean) => (seen.push(probe), Promise.resolve('ok'));
    await b.execute(P, M, ok);
    await openBreaker(b);
    await sleep(HALF_OPEN_MS + 10);
    await b.execute(P, M, ok);
    await b.execute(P, M, ok);
    expect(seen).toEqual([false, true, false]);
  });

  it('calls during a probe are refused at once (they fail over), not made to wait for it', async () => {
    await openBreaker(b);
    await sleep(HALF_OPEN_MS + 10);
    const probe = b.execute(P, M, () => sleep(300).then(() => 'ok'));
    expect(b.isOpen(P, M)).toBe(true); // routing sends the others to the backup
    const started = Date.now();
    await expect(b.execute(P, M, () => Promise.resolve('other'))).rejects.toBeInstanceOf(
      BrokenCircuitError,
    );
    expect(Date.now() - started).toBeLessThan(50);
    await expect(probe).resolves.toBe('ok');
    expect(b.isClosed(P, M)).toBe(true);
  });

  it('direct access waits for a successful probe; routing lets the probe through once due', async () => {
    await openBreaker(b);
    expect(b.isOpen(P, M)).toBe(true);
    await sleep(HALF_OPEN_MS + 10);
    expect(b.isOpen(P, M)).toBe(false); // due: the next request probes
    expect(b.isClosed(P, M)).toBe(false); // but no probe has succeeded yet
    await b.execute(P, M, () => Promise.resolve('ok'));
    expect(b.isClosed(P, M)).toBe(true);
  });

  it('a neutral outcome (upstream 429) neither counts as a failure nor resets the count, and a neutral probe re-opens', async () => {
    const neutral = () => Promise.reject(new NeutralOutcome({ status: 429 }));
    await expect(b.execute(P, M, fail)).rejects.toThrow('503');
    await expect(b.execute(P, M, neutral)).rejects.toBeInstanceOf(NeutralOutcome);
    expect(b.isClosed(P, M)).toBe(true);
    await expect(b.execute(P, M, fail)).rejects.toThrow('503');
    expect(b.states()[`${P}/${M}`]).toBe('open');
    await sleep(HALF_OPEN_MS + 10);
    await expect(b.execute(P, M, neutral)).rejects.toBeInstanceOf(NeutralOutcome);
    expect(b.states()[`${P}/${M}`]).toBe('open');
  });
});
