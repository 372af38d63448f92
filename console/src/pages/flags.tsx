import { useCallback, useState } from 'preact/hooks';
import { loadFlags } from '../api';
import { AuditTrail } from '../audit';
import { CHANGE_LABELS, describeChange, type ChangeKind, type FlagChange } from '../changes';
import { ConfirmChange } from '../confirm';
import { ErrorLine, gateText, Section, useData } from '../shared';
import type { Feature, Summary } from '../types';

const NEEDS_INPUT: Partial<Record<ChangeKind, string>> = {
  users: 'Usernames (comma-separated)',
  groups: 'Group paths (comma-separated)',
  projects: 'Project paths (comma-separated)',
  feature_group: 'Feature group',
  percentage_of_actors: 'Percentage (0-100)',
  percentage_of_time: 'Percentage (0-100)',
};

export function FlagsPage(props: { summary: Summary }) {
  const load = useCallback(() => loadFlags(), []);
  const { data, error, reload } = useData(load);
  const [selected, setSelected] = useState<string | null>(null);
  const flag = data?.find((f) => f.name === selected) ?? null;
  return (
    <div>
      <Section title="Feature flags">
        <ErrorLine error={error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Gates</th>
              <th scope="col">Default</th>
            </tr>
          </thead>
          <tbody>
            {(data ?? []).map((f) => (
              <tr key={f.name} class={f.name === selected ? 'selected' : ''}>
                <td>
                  <button type="button" class="link" onClick={() => setSelected(f.name)}>
                    {f.name}
                  </button>
                </td>
                <td>{f.definition?.type}</td>
                <td data-testid={`state-${f.name}`}>{f.state}</td>
                <td>{f.gates.map(gateText).join('; ')}</td>
                <td>{f.definition?.default_enabled ? 'on' : 'off'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      {flag && (
        <FlagDetail key={flag.name} flag={flag} summary={props.summary} onChanged={reload} />
      )}
    </div>
  );
}

function FlagDetail(props: { flag: Feature; summary: Summary; onChanged: () => void }) {
  const f = props.flag;
  const [kind, setKind] = useState<ChangeKind>('users');
  const [enable, setEnable] = useState(true);
  const [input, setInput] = useState('');
  const [pending, setPending] = useState<FlagChange | null>(null);
  const [version, setVersion] = useState(0);
  const label = NEEDS_INPUT[kind];
  const canRemove = ['users', 'groups', 'projects', 'feature_group'].includes(kind);
  const review = (e: Event) => {
    e.preventDefault();
    if (label && !input.trim()) return;
    setPending(describeChange(f.name, kind, input.trim(), enable));
  };
  const done = () => {
    props.onChanged();
    setVersion(version + 1);
  };
  return (
    <Section title={`Flag ${f.name}`}>
      <p>{f.definition?.description}</p>
      <dl>
        <dt>Type</dt>
        <dd>{f.definition?.type}</dd>
        <dt>Default</dt>
        <dd>{f.definition?.default_enabled ? 'on' : 'off'}</dd>
        <dt>Rollout issue</dt>
        <dd>{f.definition?.rollout_issue_url ?? 'none'}</dd>
        <dt>State</dt>
        <dd>{f.state}</dd>
        <dt>Gates</dt>
        <dd data-testid="gates">{f.gates.map(gateText).join('; ')}</dd>
      </dl>
      <form onSubmit={review} class="change">
        <label for="change-kind">Change</label>
        <select
          id="change-kind"
          value={kind}
          onChange={(e) => setKind((e.target as HTMLSelectElement).value as ChangeKind)}
        >
          {(Object.keys(CHANGE_LABELS) as ChangeKind[]).map((k) => (
            <option value={k}>{CHANGE_LABELS[k]}</option>
          ))}
        </select>
        {label && (
          <>
            <label for="change-input">{label}</label>
            <input
              id="change-input"
              value={input}
              required
              onInput={(e) => setInput((e.target as HTMLInputElement).value)}
            />
          </>
        )}
        {canRemove && (
          <label>
            <input
              type="checkbox"
              checked={!enable}
              onChange={(e) => setEnable(!(e.target as HTMLInputElement).checked)}
            />{' '}
            Remove these instead of adding them
          </label>
        )}
        <button type="submit">Review change</button>
      </form>
      <ConfirmChange change={pending} onClose={() => setPending(null)} onDone={done} />
      <h3>Audit trail</h3>
      <AuditTrail entityType="FeatureFlag" entityId={f.name} version={version} />
    </Section>
  );
}
