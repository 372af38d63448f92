import { useCallback, useEffect, useState } from 'preact/hooks';
import { apiPage, q } from './api';
import { ErrorLine, Section, useData } from './shared';
import type { AuditEvent, Gate } from './types';

const PER_PAGE = 10;

/** Every audit event (flags, users, groups, tokens, seats, settings), newest first. */
export function AuditPage() {
  return (
    <Section title="Audit trail">
      <AuditTrail />
    </Section>
  );
}

/**
 * Audit events, newest first, a page at a time: who did what and when (with the time zone), and
 * what the flag was before and after, with users, groups and projects by name. `version` changes
 * when the page made a change, to show it at once.
 */
export function AuditTrail(props: { entityType?: string; entityId?: string; version?: number }) {
  const [page, setPage] = useState(1);
  useEffect(() => setPage(1), [props.entityType, props.entityId, props.version]);
  const load = useCallback(() => {
    const filter: Record<string, string> = { page: String(page), per_page: String(PER_PAGE) };
    if (props.entityType) filter.entity_type = props.entityType;
    if (props.entityId) filter.entity_id = props.entityId;
    return apiPage<AuditEvent>(`/api/v4/audit_events?${q(filter)}`);
    // props.version is a dependency only: a new one reloads after the page's own change
  }, [page, props.entityType, props.entityId, props.version]);
  const { data, error } = useData(load);
  const pages = Math.max(1, data?.totalPages ?? 1);
  return (
    <div>
      <ErrorLine error={error} />
      <table data-testid="audit">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {(data?.items ?? []).map((e) => (
            <tr key={e.id} data-event={e.id}>
              <td>
                <time dateTime={e.created_at} title={e.created_at}>
                  {when(e.created_at)}
                </time>
              </td>
              <td>{who(e)}</td>
              <td>
                {e.event_name.replace(/_/g, ' ')}
                {!props.entityId && (
                  <>
                    {' '}
                    <code>{name(`${e.entity_type}:${e.entity_id}`, e.names)}</code>
                  </>
                )}
              </td>
              <td>{side(e.details.before, e.names, 'before')}</td>
              <td>{side(e.details.after, e.names, 'after')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="pager">
        <button
          type="button"
          class="secondary"
          disabled={page <= 1}
          onClick={() => setPage(page - 1)}
        >
          Newer
        </button>
        <span data-testid="audit-page">
          {data && data.total === 0
            ? 'No audit events yet'
            : `Page ${data?.page ?? page} of ${pages} (${data?.total ?? 0} events)`}
        </span>
        <button
          type="button"
          class="secondary"
          disabled={page >= pages}
          onClick={() => setPage(page + 1)}
        >
          Older
        </button>
      </div>
    </div>
  );
}

/** `2026-12-07 23:50:30 UTC`: the browser's zone, always named (ISO order, 24 h). */
export function when(iso: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(new Date(iso));
  const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${p('timeZoneName')}`;
}

function who(e: AuditEvent): string {
  if (e.author_id === null) return e.author_name ?? 'Switchboard';
  return e.author_name ?? `user ${e.author_id}`;
}

/** `User:2` → `alice`; an id whose record is gone stays an id, marked. */
function name(ref: string, names: Record<string, string>): string {
  if (names[ref] !== undefined) return names[ref];
  return /^(User|Group|Project):\d+$/.test(ref) ? `${ref} (deleted)` : ref.replace(/^[^:]+:/, '');
}

interface FlagSide {
  at_default?: boolean;
  /** Events recorded before `at_default` said `default: true` for the same thing. */
  default?: boolean;
  default_enabled?: boolean;
  state?: string;
  gates?: Gate[];
  actor_count?: number;
  force?: boolean;
}

/**
 * One side of an event. Flag events list only the actors that changed (removed before, added
 * after) with the whole count, so both sides say so instead of looking like an empty list.
 */
function side(x: unknown, names: Record<string, string>, which: 'before' | 'after') {
  if (!x || typeof x !== 'object') return <span class="audit-gone">none</span>;
  const s = x as FlagSide;
  if (!Array.isArray(s.gates) && s.at_default === undefined && s.default === undefined) {
    return <code>{JSON.stringify(x, (_k, v: unknown) => named(v, names))}</code>;
  }
  if (s.at_default || s.default === true) {
    return <span>the default ({s.state ?? (s.default_enabled ? 'on' : 'off')})</span>;
  }
  const texts: string[] = [];
  for (const g of s.gates ?? []) {
    if (g.key === 'boolean' && g.value === true) texts.push('on for everyone');
    if (g.key === 'actors' && Array.isArray(g.value) && g.value.length > 0) {
      const list = (g.value as string[]).map((a) => name(a, names)).join(', ');
      texts.push(`${which === 'before' ? 'removed' : 'added'}: ${list}`);
    }
    if (g.key === 'groups' && Array.isArray(g.value))
      texts.push(`feature groups: ${g.value.join(', ')}`);
    if (g.key === 'percentage_of_actors') texts.push(`${String(g.value)}% of users (sticky)`);
    if (g.key === 'percentage_of_time') texts.push(`${String(g.value)}% of requests`);
    if (g.key === 'unleash_strategies') texts.push('strategies made in Unleash');
  }
  if (s.actor_count) texts.push(`${s.actor_count} actor${s.actor_count === 1 ? '' : 's'} in all`);
  if (s.force) texts.push('forced (no definition)');
  return (
    <span>
      {s.state && <strong>{s.state}</strong>}
      {texts.length > 0 ? `${s.state ? ': ' : ''}${texts.join('; ')}` : s.state ? '' : 'off'}
    </span>
  );
}

const named = (v: unknown, names: Record<string, string>) =>
  typeof v === 'string' && /^(User|Group|Project):\d+$/.test(v) ? name(v, names) : v;
