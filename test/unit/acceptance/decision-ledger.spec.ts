import { AcceptanceBatch } from '../../../src/acceptance/acceptance-batch';
import type { AttributedEvent } from '../../../src/acceptance/acceptance.types';
import { DecisionLedger } from '../../../src/acceptance/decision-ledger';
import { candidateModels, sanitizedModelName } from '../../../src/acceptance/event-model';
import { shippedCatalogue } from '../routing/routing-fakes';

const beta = { model: 'codestral-2508-vertex', arm: 'beta:f', gate: 'actors' };
const control = { model: 'codestral-2508-fireworks', arm: 'control:f', gate: null };

describe('DecisionLedger', () => {
  it('says a decision changed only when model, arm or gate did', () => {
    const l = new DecisionLedger();
    expect(l.note(1, 'indirect', control, 1000)).toBe(true);
    expect(l.note(1, 'indirect', control, 2000)).toBe(false);
    expect(l.note(1, 'indirect', { ...control, arm: 'default' }, 3000)).toBe(true);
    expect(l.note(1, 'direct', beta, 4000)).toBe(true);
    expect(l.note(1, 'direct', { ...beta, gate: 'percentage_of_actors' }, 5000)).toBe(true);
  });

  it('attributes to the entry of the event model that served last, else to the latest', () => {
    const l = new DecisionLedger();
    l.note(1, 'direct', beta, 1000);
    l.note(1, 'indirect', control, 2000);
    expect(l.lookup(1, new Set(['codestral-2508-vertex']))?.arm).toBe('beta:f');
    expect(l.lookup(1)?.arm).toBe('control:f');
    expect(l.lookup(1, new Set(['other']))).toBeUndefined();
    expect(l.lookup(2)).toBeUndefined();
  });

  it('adopts a newer change from another process, not an older one', () => {
    const l = new DecisionLedger();
    l.note(1, 'indirect', control, 5000);
    l.adopt(1, { ...control, arm: 'default', path: 'indirect', sinceMs: 4000 });
    expect(l.lookup(1)?.arm).toBe('control:f');
    l.adopt(1, { ...control, arm: 'default', path: 'indirect', sinceMs: 6000 });
    expect(l.lookup(1)?.arm).toBe('default');
  });

  it('keeps at most maxUsers users, dropping the least recently changed', () => {
    const l = new DecisionLedger(2);
    l.note(1, 'indirect', control, 1);
    l.note(2, 'indirect', control, 2);
    l.note(1, 'indirect', beta, 3); // user 1 changed: now the most recent
    l.note(3, 'indirect', control, 4);
    expect(l.size).toBe(2);
    expect(l.lookup(2)).toBeUndefined();
    expect(l.lookup(1)).toBeDefined();
  });
});

describe('candidateModels', () => {
  const cat = shippedCatalogue();
  it.each<[string, string | undefined, string[]]>([
    ['codestral_2508_vertex', 'vertex_ai', ['codestral-2508-vertex']], // the gateway identifier
    ['codestral-2508', 'vertex_ai', ['codestral-2508-vertex']], // provider name + engine
    ['codestral-2508', 'fireworks_ai', ['codestral-2508-fireworks']],
    ['codestral-2508', undefined, ['codestral-2508-fireworks', 'codestral-2508-vertex']],
    ['claude-sonnet-4-5-fim', undefined, ['claude-sonnet-4-5-fim']], // our own key
    ['ghost', 'x', []],
  ])('%s / %s → %j', (name, engine, keys) => {
    expect(candidateModels(cat, name, engine).keys.sort()).toEqual(keys);
  });

  it('bounds a model name we never served', () => {
    expect(sanitizedModelName('a b<script>'.repeat(20))).toMatch(/^[\w.:@/-]{1,64}$/);
  });
});

describe('AcceptanceBatch', () => {
  const ev = (key: string, fate: AttributedEvent['fate'], arm = 'default'): AttributedEvent => ({
    trackingKey: key,
    fate,
    model: 'm',
    arm,
    gate: null,
    language: 'python',
    receivedAtMs: 61_000,
  });

  it('collapses a suggestion: first attribution, first outcome, minute of the first event', () => {
    const b = new AcceptanceBatch(10);
    b.add(ev('a', 'shown', 'first'));
    b.add(ev('a', 'accepted', 'second'));
    b.add(ev('a', 'rejected'));
    b.add(ev('b', 'rejected'));
    expect(b.take()).toEqual([
      expect.objectContaining({
        trackingKey: 'a',
        arm: 'first',
        outcome: 'accepted',
        minute: new Date(60_000),
      }),
      expect.objectContaining({ trackingKey: 'b', outcome: 'rejected' }),
    ]);
    expect(b.size).toBe(0);
  });

  it('refuses new suggestions when full, still takes news of held ones', () => {
    const b = new AcceptanceBatch(1);
    expect(b.add(ev('a', 'shown'))).toBe(true);
    expect(b.add(ev('b', 'shown'))).toBe(false);
    expect(b.add(ev('a', 'accepted'))).toBe(true);
  });

  it('puts a failed batch back ahead of what arrived meanwhile', () => {
    const b = new AcceptanceBatch(10);
    b.add(ev('a', 'shown'));
    const failed = b.take();
    b.add(ev('a', 'rejected'));
    b.add(ev('c', 'shown'));
    b.restore(failed);
    const out = b.take();
    expect(out.map((s) => [s.trackingKey, s.outcome])).toEqual([
      ['a', 'rejected'],
      ['c', null],
    ]);
  });
});

describe('DecisionLedger.own', () => {
  it('lists what this process served recently, not what it adopted', () => {
    const l = new DecisionLedger();
    l.note(1, 'indirect', control, 1000);
    l.note(2, 'direct', beta, 5000);
    l.adopt(3, { ...beta, path: 'direct', sinceMs: 6000 });
    expect([...l.own(2000)].map((o) => o.userId)).toEqual([2]);
    expect([...l.own(0)].map((o) => o.userId).sort()).toEqual([1, 2]);
  });
});
