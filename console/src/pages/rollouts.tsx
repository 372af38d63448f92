import { useCallback, useState } from 'preact/hooks';
import { api } from '../api';
import { describeChange, reachOf, type ChangeKind, type FlagChange } from '../changes';
import { ConfirmChange } from '../confirm';
import { AcceptancePanel } from './acceptance';
import { ErrorLine, gateText, pct, Section, useData } from '../shared';
import type { Feature, Health, Summary, Traffic } from '../types';

interface Stage {
  id: string;
  name: string;
  kind: ChangeKind;
  input?: string;
  help: string;
}

/** The staged rollout: each stage widens the audience; the last one turns the flag on for all. */
const STAGES: Stage[] = [
  {
    id: 'staging',
    name: 'Staging',
    kind: 'users',
    input: 'Test accounts (usernames)',
    help: 'a few named test accounts',
  },
  {
    id: 'team',
    name: 'Team members',
    kind: 'feature_group',
    help: 'feature group gitlab_team_members',
  },
  {
    id: 'project',
    name: 'A project',
    kind: 'projects',
    input: 'Project path',
    help: 'requests made in one project',
  },
  {
    id: 'percentage',
    name: 'A percentage',
    kind: 'percentage_of_actors',
    input: 'Percentage of users',
    help: 'a sticky share of users',
  },
  { id: 'everyone', name: 'Everyone', kind: 'enable', help: 'the flag on for all' },
];

/** Where a flag stands, read from its gates (the widest gate wins). */
export function currentStage(f: Feature | undefined): string {
  if (!f) return 'unknown';
  const g = new Map(f.gates.map((x) => [x.key, x.value]));
  if (g.get('boolean') === true) return 'everyone';
  if (
    Number(g.get('percentage_of_actors') ?? 0) > 0 ||
    Number(g.get('percentage_of_time') ?? 0) > 0
  )
    return 'percentage';
  const actors = (g.get('actors') as string[] | undefined) ?? [];
  if (actors.some((a) => a.startsWith('Project'))) return 'project';
  if (g.has('groups')) return 'team';
  if (actors.length > 0) return 'staging';
  return 'not started';
}

export function RolloutsPage(props: { summary: Summary }) {
  const rollouts = props.summary.rollouts;
  const [flagName, setFlagName] = useState(rollouts[0]?.flag ?? '');
  const loadFlag = useCallback(
    () => api<Feature>('GET', `/api/v4/features/${encodeURIComponent(flagName)}`),
    [flagName],
  );
  // polled: the rollout guard may change the flag while the page is open
  const flag = useData(loadFlag, 5000);
  const loadTraffic = useCallback(
    () => api<Traffic>('GET', '/api/v4/admin/console/traffic?minutes=15'),
    [],
  );
  const traffic = useData(loadTraffic, 5000);
  const [inputs, setInputs] = useState<Record<string, string>>({ team: 'gitlab_team_members' });
  const [pending, setPending] = useState<FlagChange | null>(null);
  const rollout = rollouts.find((r) => r.flag === flagName);
  const stage = flag.data && flag.data.name === flagName ? currentStage(flag.data) : 'unknown';
  const seated = props.summary.seated_users;

  const [error, setError] = useState('');
  const go = async (s: Stage) => {
    const value = s.kind === 'feature_group' ? 'gitlab_team_members' : (inputs[s.id] ?? '').trim();
    if (s.input && !value) return;
    try {
      const reached = await reachOf(s.kind, value);
      setError('');
      setPending(describeChange(flagName, s.kind, value, seated, true, reached));
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div>
      <Section title="Staged rollout">
        <label for="rollout-flag">Rollout flag</label>
        <select
          id="rollout-flag"
          value={flagName}
          onChange={(e) => setFlagName((e.target as HTMLSelectElement).value)}
        >
          {rollouts.map((r) => (
            <option value={r.flag}>
              {r.flag} {r.model ? `(${r.model})` : '(gateway picks the model)'}
            </option>
          ))}
        </select>
        <ErrorLine error={flag.error} />
        <p>
          Current stage: <strong data-testid="current-stage">{stage}</strong>
          {flag.data && ` (${flag.data.gates.map(gateText).join('; ')})`}
        </p>
        <ol class="stages">
          {STAGES.map((s) => (
            <li
              key={s.id}
              class={s.id === stage ? 'current' : ''}
              aria-current={s.id === stage ? 'step' : undefined}
            >
              <strong>{s.name}</strong>: {s.help}.{' '}
              {s.input && (
                <>
                  <label for={`stage-${s.id}`}>{s.input}</label>{' '}
                  <input
                    id={`stage-${s.id}`}
                    value={inputs[s.id] ?? ''}
                    onInput={(e) =>
                      setInputs({ ...inputs, [s.id]: (e.target as HTMLInputElement).value })
                    }
                  />{' '}
                </>
              )}
              <button type="button" onClick={() => void go(s)}>
                Go to stage: {s.name}
              </button>
            </li>
          ))}
        </ol>
        <ErrorLine error={error} />
        <button
          type="button"
          class="secondary"
          onClick={() => setPending(describeChange(flagName, 'remove', '', seated))}
        >
          Roll back (remove all gates)
        </button>
      </Section>
      {rollout && (
        <HealthPanel
          rollout={rollout}
          summary={props.summary}
          traffic={traffic.data}
          error={traffic.error}
        />
      )}
      {rollout?.kind === 'beta' && <AcceptancePanel flag={rollout.flag} />}
      <ConfirmChange change={pending} onClose={() => setPending(null)} onDone={flag.reload} />
    </div>
  );
}

function HealthPanel(props: {
  rollout: Summary['rollouts'][number];
  summary: Summary;
  traffic: Traffic | null;
  error: string;
}) {
  const r = props.rollout;
  const rule = props.summary.completion_rules.find((x) => x.flag === r.flag);
  const guard = rule?.rollout_guard;
  const actions = (props.traffic?.rollout_guard.actions ?? []).filter((a) => a.flag === r.flag);
  // A beta model against the default model (upstream attempts); the v4 switch: v4 against v2
  // answers (the gateway picks the model, so there is no model of ours to compare).
  const [list, rows]: [Health[], [string, string | null][]] = r.model
    ? [
        props.traffic?.health ?? [],
        [
          ['beta', r.model],
          ['default', r.baseline],
        ],
      ]
    : [
        props.traffic?.api_health ?? [],
        [
          ['beta', 'v4'],
          ['default', 'v2'],
        ],
      ];
  const find = (label: string | null) => list.find((h) => h.label === label);
  return (
    <Section title="Health: beta against default (last 15 minutes)">
      <ErrorLine error={props.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">{r.model ? 'Model' : 'API'}</th>
            <th scope="col">{r.model ? 'Attempts' : 'Answers'}</th>
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
