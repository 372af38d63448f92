import { Counter } from 'prom-client';

/** Why an event was answered but not counted (a closed list). */
export type IgnoredReason = 'unknown_event' | 'no_tracking_id' | 'rate_limited' | 'batch_full';

/**
 * switchboard_acceptance_events_total{event, model}: suggestion events taken, by fate and by the
 * catalogue model they were attributed to (`other` for a model outside the catalogue: the
 * event's free text never becomes a label). Registered into the app's registry by the module.
 */
export class AcceptanceMetrics {
  readonly events = new Counter({
    name: 'switchboard_acceptance_events_total',
    help: 'Code suggestion events taken from the IDE (shown, accepted, rejected), by the catalogue model they were attributed to (other: none of ours); repeats included',
    labelNames: ['event', 'model'],
    registers: [],
  });
  readonly ignored = new Counter({
    name: 'switchboard_acceptance_events_ignored_total',
    help: 'track_event calls answered but not counted, by reason (unknown_event, no_tracking_id, rate_limited, batch_full)',
    labelNames: ['reason'],
    registers: [],
  });
  readonly flushFailures = new Counter({
    name: 'switchboard_acceptance_flush_failures_total',
    help: 'Batched acceptance writes that failed (retried at the next flush)',
    registers: [],
  });
}
