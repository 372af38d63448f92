import { BrokenCircuitError } from 'cockatiel';
import { DomainError } from '../../../src/common/errors/domain-error';
import { BreakersService, NeutralOutcome } from '../../../src/resilience/breakers.service';

const P = 'vertex-ai';
const M = 'code-gecko@002';
const HALF_OPEN_MS = 10_000;
const fail = () => Promise.reject(new Error('503'));
const cancelled = () =>
  Promise.reject(new DomainError('client_closed_request', 'client closed the request'));

async function openBreaker(b: BreakersService): Promise<void> {
  for (let i = 0; i < 2; i++) await expect(b.execute(P, M, fail)).rejects.toThrow('503');
  expect(b.states()[`${P}/${M}`]).toBe('open');
}

describe('BreakersService', () => {
  let b: BreakersService;
  let now: number;
  /** Time moves only when a test says so: no real waiting, no race with a loaded machine. */
  const advance = (ms: number) => {
    now += ms;
  };
  beforeEach(() => {
    now = 1_000_000;
    b = new BreakersService(undefined, () => now);
    b.configure({ threshold: 2, halfOpenAfterMs: HALF_OPEN_MS });
  });

  it('stays open until halfOpenAfter has passed on its clock, then lets one probe through', async () => {
    await openBreaker(b);
    advance(HALF_OPEN_MS - 1);
    expect(b.isOpen(P, M)).toBe(true);
    const early = jest.fn(() => Promise.resolve('early'));
    await expect(b.execute(P, M, early)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(early).not.toHaveBeenCalled();
    advance(1);
    expect(b.isOpen(P, M)).toBe(false);
    await expect(b.execute(P, M, fail)).rejects.toThrow('503'); // the probe fails: open again
    expect(b.isOpen(P, M)).toBe(true);
    advance(HALF_OPEN_MS - 1);
    expect(b.isOpen(P, M)).toBe(true); // the wait starts over from the failed probe
    advance(1);
    await expect(b.execute(P, M, () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(b.isClosed(P, M)).toBe(true);
  });

  it('a cancelled half-open probe re-opens the breaker instead of closing it', async () => {
    await openBreaker(b);
    advance(HALF_OPEN_MS);
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
    advance(HALF_OPEN_MS);
    await b.execute(P, M, ok);
    await b.execute(P, M, ok);
    expect(seen).toEqual([false, true, false]);
  });

  it('calls during a probe are refused at once (they fail over), not made to wait for it', async () => {
    await openBreaker(b);
    advance(HALF_OPEN_MS);
    let finishProbe!: (v: string) => void;
    const probe = b.execute(P, M, () => new Promise<string>((r) => (finishProbe = r)));
    expect(b.isOpen(P, M)).toBe(true); // routing sends the others to the backup
    // Refused while the probe is still running (it only ends when finishProbe is called below).
    await expect(b.execute(P, M, () => Promise.resolve('other'))).rejects.toBeInstanceOf(
      BrokenCircuitError,
    );
    finishProbe('ok');
    await expect(probe).resolves.toBe('ok');
    expect(b.isClosed(P, M)).toBe(true);
  });

  it('direct access waits for a successful probe; routing lets the probe through once due', async () => {
    await openBreaker(b);
    expect(b.isOpen(P, M)).toBe(true);
    advance(HALF_OPEN_MS);
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
    advance(HALF_OPEN_MS);
    await expect(b.execute(P, M, neutral)).rejects.toBeInstanceOf(NeutralOutcome);
    expect(b.states()[`${P}/${M}`]).toBe('open');
  });
});
