import { useCallback } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, pct, Section, useData } from '../shared';
import type { AcceptanceReport, ArmAcceptance, RolloutAcceptance } from '../types';

const load = () => api<AcceptanceReport>('GET', '/api/v4/admin/console/acceptance?minutes=60');

const interval = (a: ArmAcceptance) =>
  a.interval ? `${pct(a.interval.low)} – ${pct(a.interval.high)}` : 'n/a';

function ArmRow(props: { role: string; who: string; arm: ArmAcceptance }) {
  const a = props.arm;
  return (
    <tr data-testid={`acceptance-${props.role}`}>
      <td>{props.role}</td>
      <td>{props.who}</td>
      <td>{a.shown}</td>
      <td>{a.accepted}</td>
      <td>{a.rate === null ? 'n/a' : pct(a.rate)}</td>
      <td>{interval(a)}</td>
    </tr>
  );
}

/** What the guard concluded, in words an admin can act on. */
function verdictText(r: RolloutAcceptance): string {
  const s = r.status;
  if (!s) {
    return r.last_rollback
      ? `rolled back to 0% at ${r.last_rollback.at}: ${r.last_rollback.reason}`
      : 'not at a percentage: nothing to compare (the guard compares a random share of users with the rest)';
  }
  if (s.verdict === 'harm') return `harm: ${s.summary} (rolling back)`;
  return s.summary;
}

/** Rollouts page: the beta arm against its control since the stage began, and the verdict. */
export function AcceptancePanel(props: { flag: string }) {
  const { data, error } = useData(useCallback(load, []), 5000);
  const r = data?.rollouts.find((x) => x.flag === props.flag);
  return (
    <Section title="Acceptance: beta against control (this stage)">
      <ErrorLine error={error} />
      {!data ? null : !r ? (
        <p data-testid="acceptance-verdict">
          The rollout guard does not watch acceptance for this flag (rollout_guard.acceptance in
          config/models.yml).
        </p>
      ) : (
        <>
          {r.status && (
            <table>
              <thead>
                <tr>
                  <th scope="col">Arm</th>
                  <th scope="col">Users</th>
                  <th scope="col">Shown</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Rate</th>
                  <th scope="col">Interval ({pct(1 - r.limits.alpha)}, always valid)</th>
                </tr>
              </thead>
              <tbody>
                <ArmRow role="beta" who={`${r.percentage}% on ${r.model}`} arm={r.status.beta} />
                <ArmRow role="control" who="the rest" arm={r.status.control} />
              </tbody>
            </table>
          )}
          <p data-testid="acceptance-verdict">Acceptance guard: {verdictText(r)}</p>
          <p class="hint">
            Limits: roll back when the beta's acceptance is surely more than{' '}
            {pct(r.limits.max_drop)} below the control's (false alarm at most {pct(r.limits.alpha)}{' '}
            per stage), deciding from {r.limits.min_shown} shown in each arm.
            {r.status && ` Stage since ${r.status.since}.`}
          </p>
        </>
      )}
    </Section>
  );
}

/** Routing page: suggestions shown and accepted per model over the last hour. */
export function ModelAcceptance() {
  const { data, error } = useData(useCallback(load, []), 5000);
  return (
    <Section title="Acceptance per model (last 60 minutes)">
      <ErrorLine error={error} />
      {data && data.models.length === 0 && <p>No suggestions shown in this window yet.</p>}
      {data && data.models.length > 0 && (
        <table data-testid="model-acceptance">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Shown</th>
              <th scope="col">Accepted</th>
              <th scope="col">Rejected</th>
              <th scope="col">Rate</th>
              <th scope="col">Interval (95%)</th>
            </tr>
          </thead>
          <tbody>
            {data.models.map((m) => (
              <tr key={m.model} data-model={m.model}>
                <td>{m.model}</td>
                <td>{m.shown}</td>
                <td>{m.accepted}</td>
                <td>{m.rejected}</td>
                <td>{m.rate === null ? 'n/a' : pct(m.rate)}</td>
                <td>{interval(m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
