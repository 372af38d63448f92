import { useCallback, useState } from 'preact/hooks';
import { api, loadFlags } from '../api';
import type { FlagChange } from '../changes';
import { MinuteChart } from '../chart';
import { ConfirmChange } from '../confirm';
import { ErrorLine, Section, useData } from '../shared';
import type { Summary, Traffic } from '../types';
import { Totals } from './routing';

const RUNBOOK_MINUTES = 15;

export function IncidentsPage(props: { summary: Summary }) {
  const loadTraffic = useCallback(
    () => api<Traffic>('GET', `/api/v4/admin/console/traffic?minutes=${RUNBOOK_MINUTES}`),
    [],
  );
  const traffic = useData(loadTraffic, 3000);
  const loadAll = useCallback(() => loadFlags(), []);
  const flags = useData(loadAll, 3000);
  const [pending, setPending] = useState<FlagChange | null>(null);
  const t = traffic.data;

  return (
    <div>
      <Section title="Circuit breakers">
        <ErrorLine error={traffic.error} />
        <table>
          <thead>
            <tr>
              <th scope="col">Upstream model</th>
              <th scope="col">State</th>
              <th scope="col">Failed attempts ({RUNBOOK_MINUTES} min)</th>
              <th scope="col">Recent transitions</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(t?.breakers ?? {}).map(([upstream, state]) => (
              <tr key={upstream}>
                <td>{upstream}</td>
                <td class={`breaker-${state}`} data-testid={`breaker-${upstream}`}>
                  {state}
                </td>
                <td data-testid={`failures-${upstream}`}>{failures(t, upstream)}</td>
                <td>
                  {(t?.breaker_transitions ?? [])
                    .filter((x) => x.upstream === upstream)
                    .slice(0, 5)
                    .map((x) => `${new Date(x.at).toLocaleTimeString()} ${x.state}`)
                    .join(', ') || 'none'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Failover">
        <ErrorLine error={flags.error} />
        <ul class="failover">
          {props.summary.failover_flags.map((ff) => {
            const f = flags.data?.find((x) => x.name === ff.flag);
            const on = f?.state === 'on';
            const target = ff.backup ? `the backup ${ff.backup}` : 'the backup prompt';
            const change: FlagChange = on
              ? {
                  flag: ff.flag,
                  title: `Recover ${ff.task}s`,
                  note: `${ff.task}s go back to the primary model`,
                  body: null,
                }
              : {
                  flag: ff.flag,
                  title: `Fail ${ff.task}s over`,
                  note: `those users get ${target}; direct access answers 403 meanwhile`,
                  body: { value: true },
                };
            return (
              <li key={ff.flag}>
                <code>{ff.flag}</code> ({ff.task}s):{' '}
                <strong data-testid={`failover-${ff.flag}`}>{f ? f.state : '…'}</strong>{' '}
                <button type="button" onClick={() => setPending(change)}>
                  {on ? `Recover ${ff.task}s` : `Fail ${ff.task}s over`}
                </button>
              </li>
            );
          })}
        </ul>
      </Section>
      <Section title={`Requests per provider (last ${RUNBOOK_MINUTES} minutes)`}>
        <p>
          The runbook's check: the providers that answered, as the{' '}
          <code>code completion input:</code> log lines name them. Counted by the process that
          answers (with several workers or replicas, each counts its own share).
        </p>
        {t && (
          <MinuteChart
            title="Answered requests by provider"
            minutes={t.minutes}
            series={t.by.provider}
          />
        )}
        <Totals
          series={t?.by.provider ?? {}}
          current={t?.current.by.provider}
          minutes={t?.minutes}
          testid="provider-counts"
        />
      </Section>
      <ConfirmChange
        change={pending}
        onClose={() => setPending(null)}
        onDone={() => {
          flags.reload();
          traffic.reload();
        }}
      />
    </div>
  );
}

function failures(t: Traffic | null, upstream: string): string {
  const h = t?.health.find((x) => x.label === upstream);
  return h ? `${h.errors} of ${h.requests}` : 'none';
}
