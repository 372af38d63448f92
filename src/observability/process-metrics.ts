import { collectDefaultMetrics, type Registry } from 'prom-client';

export const PROCESS_METRICS_PREFIX = 'switchboard_';

/**
 * prom-client's three totals of active handles, requests and resources are gauges with a
 * counter's `_total` suffix (`promtool check metrics` refuses them). Their per-type gauges
 * (`switchboard_nodejs_active_handles{type}` and so on) stay: `sum()` of one is its total.
 */
const MISNAMED_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** prom-client's default process and Node.js metrics, under our prefix, promtool-clean. */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry, prefix: PROCESS_METRICS_PREFIX });
  for (const name of MISNAMED_GAUGES)
    registry.removeSingleMetric(`${PROCESS_METRICS_PREFIX}${name}`);
}
