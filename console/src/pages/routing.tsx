import { useCallback, useState } from 'preact/hooks';
import { api, q } from '../api';
import { MinuteChart } from '../chart';
import { ErrorLine, Section, useData } from '../shared';
import { ModelAcceptance } from './acceptance';
import type { Decision, Dimension, Explanation, Summary, Traffic } from '../types';

export function RoutingPage(props: { summary: Summary }) {
  const s = props.summary;
  return (
    <div>
      <Section title="Model catalogue">
        <table>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Provider</th>
              <th scope="col">Model</th>
              <th scope="col">Prompt version</th>
            </tr>
          </thead>
          <tbody>
            {s.models.map((m) => (
              <tr key={m.key}>
                <td>{m.key}</td>
                <td>{m.provider}</td>
                <td>{m.name}</td>
                <td>{m.prompt_version}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Completion rules, in the order they are evaluated</h3>
        <ol>
          {s.completion_rules.map((r) => (
            <li key={r.order}>
              <strong>{r.kind}</strong>
              {r.flag && (
                <>
                  {' '}
                  flag <code>{r.flag}</code>
                </>
              )}
              {r.opt_out_flag && (
                <>
                  {' '}
                  (opt-out <code>{r.opt_out_flag}</code>)
                </>
              )}
              {r.model && <> → model {r.model}</>}
              {r.api && <> → API {r.api}</>}
              {r.mode && <> ({r.mode})</>}
            </li>
          ))}
        </ol>
      </Section>
      <Explain />
      <ModelAcceptance />
      <Distribution />
    </div>
  );
}

function Explain() {
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<Explanation | null>(null);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      setResult(
        await api<Explanation>(
          'GET',
          `/api/v4/code_suggestions/routing?${q({ user: username.trim() })}`,
        ),
      );
      setError('');
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    }
  };
  return (
    <Section title="Explain a user's routing">
      <form onSubmit={(e) => void submit(e)} class="inline">
        <label for="explain-user">Username</label>
        <input
          id="explain-user"
          value={username}
          required
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Explain</button>
      </form>
      <ErrorLine error={error} />
      {result && (
        <div data-testid="explanation">
          <p>
            User <strong>{result.user.username}</strong>{' '}
            {result.seat.has_seat ? 'has a seat' : 'has no seat'}.
          </p>
          <DecisionView title="Completion" d={result.completion} />
          <DecisionView title="Generation" d={result.generation} />
        </div>
      )}
    </Section>
  );
}

function DecisionView(props: { title: string; d: Decision }) {
  const d = props.d;
  const model = d.model ? `${d.model.provider}/${d.model.name}` : 'chosen by the gateway';
  return (
    <div class="decision">
      <h3>{props.title}</h3>
      <dl>
        <dt>Model</dt>
        <dd data-testid={`${props.title.toLowerCase()}-model`}>{model}</dd>
        <dt>Why</dt>
        <dd>{d.model_source}</dd>
        <dt>API</dt>
        <dd>
          {d.api} ({d.endpoint})
        </dd>
        <dt>Direct access</dt>
        <dd>
          {d.direct_access.allowed
            ? 'allowed'
            : `not allowed (${d.direct_access.reason ?? 'unknown'})`}
        </dd>
        <dt>Deciding flags</dt>
        <dd>
          {Object.entries(d.deciding_flags)
            .map(([f, v]) => `${f}: ${v ? 'on' : 'off'}`)
            .join(', ') || 'none'}
        </dd>
      </dl>
      <ol class="trace">
        {d.trace.map((t) => (
          <li key={t.rule}>
            {t.matched ? '✔' : '✘'} {t.rule}: {t.why}
          </li>
        ))}
      </ol>
    </div>
  );
}

function Distribution() {
  const [dim, setDim] = useState<Dimension>('model');
  const load = useCallback(
    () => api<Traffic>('GET', '/api/v4/admin/console/traffic?minutes=15'),
    [],
  );
  const { data, error } = useData(load, 5000);
  const series = data?.by[dim] ?? {};
  return (
    <Section title="Decisions over the last 15 minutes">
      <label for="dist-dim">Group by</label>
      <select
        id="dist-dim"
        value={dim}
        onChange={(e) => setDim((e.target as HTMLSelectElement).value as Dimension)}
      >
        <option value="model">Model</option>
        <option value="provider">Provider</option>
        <option value="api">API</option>
      </select>
      <p>Answered code suggestions, as counted by the process that answers this page.</p>
      <ErrorLine error={error} />
      {data && (
        <MinuteChart title={`Answered requests by ${dim}`} minutes={data.minutes} series={series} />
      )}
      <Totals
        series={series}
        current={data?.current.by[dim]}
        minutes={data?.minutes}
        testid="decision-counts"
      />
    </Section>
  );
}

/**
 * Per label: the last complete minute, the minute under way so far, and the whole window up to
 * now (its complete minutes and the minute under way).
 */
export function Totals(props: {
  series: Record<string, number[]>;
  current?: Record<string, number>;
  minutes?: number[];
  testid?: string;
}) {
  const now = props.current ?? {};
  const labels = [...new Set([...Object.keys(props.series), ...Object.keys(now)])].sort();
  if (labels.length === 0) return <p>No requests in this window yet.</p>;
  const last = props.minutes?.at(-1);
  const at = last === undefined ? '' : ` (${new Date(last * 1000).toLocaleTimeString()})`;
  return (
    <table data-testid={props.testid}>
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Last complete minute{at}</th>
          <th scope="col">This minute so far</th>
          <th scope="col">Whole window, to now</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((k) => {
          const counts = props.series[k] ?? [];
          const total = counts.reduce((a, b) => a + b, 0) + (now[k] ?? 0);
          return (
            <tr key={k} data-label={k}>
              <td>{k}</td>
              <td class="last">{counts.at(-1) ?? 0}</td>
              <td class="current">{now[k] ?? 0}</td>
              <td class="total">{total}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
