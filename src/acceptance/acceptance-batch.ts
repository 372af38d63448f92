import type { AttributedEvent } from './acceptance.types';
import type { PendingSuggestion } from './acceptance.repository';

const MINUTE_MS = 60_000;

/**
 * The events of one flush interval, one entry per suggestion: the first event's attribution and
 * minute, the first outcome (an accept or reject also counts the suggestion as shown).
 * Bounded: past `max` suggestions new ones are refused (the caller counts them as dropped).
 */
export class AcceptanceBatch {
  private pending = new Map<string, PendingSuggestion>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** False when the batch is full and `e` is a suggestion it does not hold yet. */
  add(e: AttributedEvent): boolean {
    const outcome = e.fate === 'shown' ? null : e.fate;
    const cur = this.pending.get(e.trackingKey);
    if (cur) {
      cur.outcome ??= outcome;
      return true;
    }
    if (this.pending.size >= this.max) return false;
    this.pending.set(e.trackingKey, {
      trackingKey: e.trackingKey,
      minute: new Date(Math.floor(e.receivedAtMs / MINUTE_MS) * MINUTE_MS),
      model: e.model,
      arm: e.arm,
      gate: e.gate,
      language: e.language,
      outcome,
    });
    return true;
  }

  /** Everything pending, and an empty batch from now on. */
  take(): PendingSuggestion[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  /** Puts back a batch whose write failed, ahead of what arrived meanwhile (first event wins). */
  restore(batch: readonly PendingSuggestion[]): void {
    const later = this.pending;
    this.pending = new Map(batch.map((s) => [s.trackingKey, s]));
    for (const [k, s] of later) {
      const cur = this.pending.get(k);
      if (cur) cur.outcome ??= s.outcome;
      else this.pending.set(k, s);
    }
  }
}
