import { ErrorLine, pct, Section } from '../shared';
import type { Health, RolloutState, Summary, Traffic } from '../types';

/**
 * A beta against what it replaces, from upstream attempts: a beta model against the default
 * model; the v4 switch (the gateway picks the model) v4 attempts against v2 attempts. An attempt
 * that failed and was failed over counts against what was attempted, though the user was answered.
 */
export function HealthPanel(props: {
  rollout: RolloutState;
  summary: Summary;
  traffic: Traffic | null;
  error: string;
}) {
  const r = props.rollout;
  const rule = props.summary.completion_rules.find((x) => x.flag === r.flag);
  const guard = rule?.rollout_guard;
  const actions = (props.traffic?.rollout_guard.actions ?? []).filter((a) => a.flag === r.flag);
  const [list, rows]: [Health[], [string, string | null][]] = r.model
    ? [
        props.traffic?.health ?? [],
        [
          ['beta', r.model],
          ['default', r.baseline],
        ],
      ]
    : [
        props.traffic?.api_attempt_health ?? [],
        [
          ['beta', 'v4'],
          ['default', 'v2'],
        ],
      ];
  const find = (label: string | null) => list.find((h) => h.label === label);
  const minutes = props.traffic?.window_minutes ?? 15;
  return (
    <Section title="Health: beta against default">
      <p>
        Upstream attempts over the last {minutes} minutes up to now. A failed attempt that was
        failed over counts as a failure of the {r.model ? 'model' : 'API'} attempted, though the
        backup answered the user.
      </p>
      <ErrorLine error={props.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">{r.model ? 'Model' : 'API'}</th>
            <th scope="col">Attempts</th>
            <th scope="col">Failed</th>
            <th scope="col">Error rate</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([role, model]) => {
            const h = find(model);
            return (
              <tr key={role} data-testid={`health-${role}`}>
                <td>{role}</td>
                <td>{model}</td>
                <td>{h?.requests ?? 0}</td>
                <td>{h?.errors ?? 0}</td>
                <td>{h ? pct(h.error_rate) : 'n/a'}</td>
                <td>{h ? `${h.p95_ms} ms` : 'n/a'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p data-testid="guard-verdict">
        Rollout guard:{' '}
        {actions.length > 0
          ? `rolled back to 0% at ${actions[actions.length - 1].at}: ${actions[actions.length - 1].reason}`
          : !rule || rule.kind !== 'beta'
            ? 'none for this flag (the guard watches beta models)'
            : guard?.enabled
              ? `watching, no rollback (limits: error rate +${pct(guard.max_error_rate_delta)}, p95 x${guard.max_p95_latency_ratio})`
              : 'off for this flag (rollout_guard.enabled in config/models.yml)'}
      </p>
    </Section>
  );
}
