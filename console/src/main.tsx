import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { api, ApiError, session } from './api';
import { AccessContext, loadAccess, type Access } from './session';
import { AuditPage } from './audit';
import { FailoverBanner } from './failover-banner';
import { ErrorLine, useData } from './shared';
import type { Summary } from './types';
import { FlagsPage } from './pages/flags';
import { IncidentsPage } from './pages/incidents';
import { ModelsPage } from './pages/models';
import { RolloutsPage } from './pages/rollouts';
import { RoutingPage } from './pages/routing';

const PAGES = {
  flags: 'Flags',
  rollouts: 'Rollouts',
  routing: 'Routing',
  incidents: 'Incidents',
  models: 'Model selection',
  audit: 'Audit',
} as const;
type Page = keyof typeof PAGES;

const pageFromHash = (): Page => {
  const h = location.hash.replace(/^#\/?/, '');
  return h in PAGES ? (h as Page) : 'flags';
};

interface Me {
  username: string;
  is_admin: boolean;
  access: Access;
}

/** Who the token belongs to and what it may do, or why the console refuses it. */
async function whoIs(token?: string): Promise<Me | { refused: string }> {
  // The token's scopes first: that route takes any scope, GET /user needs api or read_api.
  const access = await loadAccess(token);
  if ('refused' in access) return access;
  const user = await api<Omit<Me, 'access'>>('GET', '/api/v4/user', undefined, token);
  if (!user.is_admin)
    return {
      refused: `Refused: ${user.username} is not an administrator. The console is for admin tokens only.`,
    };
  return { ...user, access };
}

function SignIn(props: { onSignedIn: (me: Me) => void; notice: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const me = await whoIs(token.trim());
      if ('refused' in me) {
        setError(me.refused);
        return;
      }
      session.save(token.trim());
      setToken('');
      props.onSignedIn(me);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? 'Refused: this token is not valid (unknown, revoked or expired).'
          : (err as Error).message,
      );
    }
  };
  return (
    <form class="signin" onSubmit={(e) => void submit(e)}>
      <h1>Switchboard console</h1>
      {props.notice && (
        <p role="alert" class="session-notice" data-testid="session-notice">
          {props.notice} Sign in again.
        </p>
      )}
      <p>Sign in with an administrator's personal access token. It is kept in this tab only.</p>
      <label for="token">Admin personal access token</label>
      <input
        id="token"
        type="password"
        autocomplete="off"
        value={token}
        required
        onInput={(e) => setToken((e.target as HTMLInputElement).value)}
      />
      <button type="submit">Sign in</button>
      <ErrorLine error={error} />
    </form>
  );
}

function Console(props: { me: Me; onSignOut: () => void }) {
  const [page, setPage] = useState<Page>(pageFromHash());
  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const load = useCallback(() => api<Summary>('GET', '/api/v4/admin/console/summary'), []);
  const summary = useData(load);
  return (
    <div>
      <header>
        <h1>Switchboard console</h1>
        <nav aria-label="Console pages">
          {(Object.keys(PAGES) as Page[]).map((p) => (
            <a key={p} href={`#/${p}`} aria-current={p === page ? 'page' : undefined}>
              {PAGES[p]}
            </a>
          ))}
        </nav>
        <span class="me">
          Signed in as {props.me.username}
          {props.me.access.readOnly && ' (read-only)'}{' '}
          <button type="button" class="secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      {props.me.access.readOnly && (
        <p class="readonly-banner" role="status" data-testid="readonly-banner">
          {props.me.access.reason} You can look at everything; Apply is off.
        </p>
      )}
      <div class="banners">
        <FailoverBanner />
      </div>
      <ErrorLine error={summary.error} />
      {summary.data && (
        <div id="page" data-page={page}>
          {page === 'flags' && <FlagsPage summary={summary.data} />}
          {page === 'rollouts' && <RolloutsPage summary={summary.data} />}
          {page === 'routing' && <RoutingPage summary={summary.data} />}
          {page === 'incidents' && <IncidentsPage summary={summary.data} />}
          {page === 'models' && <ModelsPage />}
          {page === 'audit' && <AuditPage />}
        </div>
      )}
    </div>
  );
}

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState('');
  const [checking, setChecking] = useState(Boolean(session.token()));
  // A revoked or expired token: the console (and every poll in it) goes, the sign-in says why.
  useEffect(
    () =>
      session.onEnded((why) => {
        setMe(null);
        setNotice(why);
      }),
    [],
  );
  useEffect(() => {
    if (!session.token()) return;
    whoIs()
      .then((u) => ('refused' in u ? session.clear() : setMe(u)))
      .catch(() => session.clear())
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <p>Checking your session…</p>;
  if (!me)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(u) => {
          setNotice('');
          setMe(u);
        }}
      />
    );
  return (
    <AccessContext.Provider value={me.access}>
      <Console
        me={me}
        onSignOut={() => {
          session.clear();
          setMe(null);
        }}
      />
    </AccessContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
