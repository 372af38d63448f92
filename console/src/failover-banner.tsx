import { useCallback } from 'preact/hooks';
import { api } from './api';
import { useData } from './shared';
import type { Traffic } from './types';

const time = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Shown above every page while automatic failover is active: breakers are sending a model's
 * completions to the backup, which no failover flag says (they stay "off"). Reads the same
 * fleet view as Incidents (`automatic_failover` of the traffic endpoint), so the two agree.
 */
export function FailoverBanner() {
  const load = useCallback(
    () => api<Traffic>('GET', '/api/v4/admin/console/traffic?minutes=1'),
    [],
  );
  const traffic = useData(load, 5000);
  const f = traffic.data?.automatic_failover;
  if (!f?.active) return null;
  const breakers = f.breakers.map((b) => `${b.upstream} (${b.state.replace('_', '-')})`);
  const routes = f.routes.map((r) => `${r.from_model} → ${r.to_model}: ${r.count}`);
  return (
    <p class="failover-banner" role="alert" data-testid="failover-banner">
      <strong>Automatic failover active</strong>
      {f.since ? ` since ${time(f.since)}` : ''}: {f.failed_over} completion
      {f.failed_over === 1 ? '' : 's'} sent to the backup; {breakers.length} breaker
      {breakers.length === 1 ? '' : 's'} not closed: {breakers.join(', ')}
      {routes.length > 0 ? ` (${routes.join('; ')})` : ''}. The failover flags are not involved.
    </p>
  );
}
