import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, q } from '../api';
import { describeChange, type FlagChange } from '../changes';
import { ConfirmChange } from '../confirm';
import { AcceptancePanel } from './acceptance';
import { ErrorLine, Section, useData } from '../shared';
import type { Rollouts, RolloutState, StagePlan, Summary, Traffic } from '../types';
import { HealthPanel } from './rollout-health';
import { StageConfirm, type PendingStage } from './stage-confirm';

const stageText = (s: string) => s.replace('_', ' ');

/**
 * The staged rollout. The stages and where each flag stands come from the server; going to a
 * stage sets exactly that stage's gates (the confirmation lists what it removes). The page opens
 * on the rollout that needs attention most (rolled back, unhealthy, in progress).
 */
type Stage = Rollouts['stages'][number];

/** Asks the server what the move would set and remove, and whom the stage's gates reach. */
async function planMove(r: RolloutState, s: Stage, value: string) {
  const plan = await api<StagePlan>(
    'GET',
    `/api/v4/admin/console/rollouts/${encodeURIComponent(r.flag)}/stage?${q(
      value ? { stage: s.id, value } : { stage: s.id },
    )}`,
  );
  return { stage: s.id, name: s.name, value, plan, effect: plan.effect };
}

export function RolloutsPage(props: { summary: Summary }) {
  const load = useCallback(() => api<Rollouts>('GET', '/api/v4/admin/console/rollouts'), []);
  const data = useData(load, 5000);
  const loadTraffic = useCallback(
    () => api<Traffic>('GET', '/api/v4/admin/console/traffic?minutes=15'),
    [],
  );
  const traffic = useData(loadTraffic, 5000);
  const [flagName, setFlagName] = useState<string | null>(null);
  useEffect(() => {
    if (flagName === null && data.data) setFlagName(data.data.rollouts[0]?.flag ?? '');
  }, [data.data, flagName]);
  const [pending, setPending] = useState<PendingStage | null>(null);
  const [rollback, setRollback] = useState<FlagChange | null>(null);
  const [error, setError] = useState('');
  const rollouts = data.data?.rollouts ?? [];
  const r = rollouts.find((x) => x.flag === flagName);
  const go = (s: Stage, value: string) => {
    if (!r) return;
    planMove(r, s, value)
      .then((p) => {
        setError('');
        setPending(p);
      })
      .catch((err: Error) => setError(err.message));
  };

  return (
    <div>
      <Section title="Staged rollout">
        <ErrorLine error={data.error} />
        <RolloutPicker rollouts={rollouts} value={flagName ?? ''} onPick={setFlagName} />
        {r && <Attention rollout={r} />}
        {r && (
          <p>
            Current stage: <strong data-testid="current-stage">{stageText(r.stage)}</strong>
            {` (${r.gates.map((g) => g.text).join('; ') || 'no gates'})`}
          </p>
        )}
        <StageList stages={data.data?.stages ?? []} current={r?.stage} onGo={go} />
        <ErrorLine error={error} />
        {r && (
          <button
            type="button"
            class="secondary"
            onClick={() => setRollback(describeChange(r.flag, 'remove', ''))}
          >
            Roll back (remove all gates)
          </button>
        )}
      </Section>
      {r && (
        <HealthPanel
          rollout={r}
          summary={props.summary}
          traffic={traffic.data}
          error={traffic.error}
        />
      )}
      {r?.kind === 'beta' && <AcceptancePanel flag={r.flag} />}
      <StageConfirm pending={pending} onClose={() => setPending(null)} onDone={data.reload} />
      <ConfirmChange change={rollback} onClose={() => setRollback(null)} onDone={data.reload} />
    </div>
  );
}

function RolloutPicker(props: {
  rollouts: RolloutState[];
  value: string;
  onPick: (flag: string) => void;
}) {
  return (
    <>
      <label for="rollout-flag">Rollout flag</label>
      <select
        id="rollout-flag"
        value={props.value}
        onChange={(e) => props.onPick((e.target as HTMLSelectElement).value)}
      >
        {props.rollouts.map((x) => (
          <option key={x.flag} value={x.flag}>
            {x.attention?.level === 'rolled_back' || x.attention?.level === 'unhealthy' ? '⚠ ' : ''}
            {x.flag} {x.model ? `(${x.model})` : '(gateway picks the model)'}
          </option>
        ))}
      </select>
    </>
  );
}

function StageList(props: {
  stages: Stage[];
  current: string | undefined;
  onGo: (s: Stage, value: string) => void;
}) {
  const [inputs, setInputs] = useState<Record<string, string>>({});
  return (
    <ol class="stages">
      {props.stages.map((s) => (
        <li
          key={s.id}
          class={s.id === props.current ? 'current' : ''}
          aria-current={s.id === props.current ? 'step' : undefined}
        >
          <strong>{s.name}</strong>: {s.help}.{' '}
          {s.input && (
            <>
              <label for={`stage-${s.id}`}>{s.input.label}</label>{' '}
              <input
                id={`stage-${s.id}`}
                value={inputs[s.id] ?? ''}
                onInput={(e) =>
                  setInputs({ ...inputs, [s.id]: (e.target as HTMLInputElement).value })
                }
              />{' '}
            </>
          )}
          <button type="button" onClick={() => props.onGo(s, (inputs[s.id] ?? '').trim())}>
            Go to stage: {s.name}
          </button>
        </li>
      ))}
    </ol>
  );
}

function Attention(props: { rollout: RolloutState }) {
  const a = props.rollout.attention;
  if (!a) return <p data-testid="attention">Needs no attention.</p>;
  return (
    <p class={a.level === 'in_progress' ? '' : 'attention'} data-testid="attention">
      {a.level === 'in_progress' ? 'In progress' : 'Needs attention'}: {a.reason}.
    </p>
  );
}
