import axios, { AxiosInstance } from 'axios';
import { DomainError } from '../../common/errors/domain-error';
import { rootLogger } from '../../common/logging/logger';
import { ACTORS_STRATEGY, CONTEXT_FIELDS, NativeStrategy, UnleashStrategy } from '../gates';

export interface UnleashTarget {
  url: string;
  adminToken: string;
  project: string;
  environment: string;
}

export interface RemoteStrategy extends NativeStrategy {
  id: string;
}

/**
 * One write: strategies to add and to delete (by id), and whether the environment ends on.
 * Strategies in neither list are left exactly as they are.
 */
export interface StrategyPlan {
  add: UnleashStrategy[];
  remove: RemoteStrategy[];
  enabled: boolean;
}

interface RemoteFeature {
  name: string;
  description?: string | null;
  environments?: Array<{ name: string; enabled: boolean; strategies?: RemoteStrategy[] }>;
}

/**
 * Description prefix of a feature we created whose first change is not complete yet. Unleash
 * creates features disabled, which the SDK reads as "off for everyone"; while this mark is on,
 * every Switchboard instance evaluates the flag by its definition default instead, so creating a
 * default-on flag (the kill switch) never turns it off, and a create whose undo failed is inert.
 */
export const PENDING_MARK = '[switchboard: first change in progress] ';

export const isPending = (description: string | null | undefined): boolean =>
  typeof description === 'string' && description.startsWith(PENDING_MARK);

export interface RemoteState {
  enabled: boolean;
  strategies: RemoteStrategy[];
  /** Created by us, first change not finished (see PENDING_MARK). */
  pending: boolean;
}

const FEATURE_TYPE: Record<string, string> = {
  ops: 'operational',
  beta: 'release',
  gitlab_com_derisk: 'release',
  wip: 'release',
  experiment: 'experiment',
};

/**
 * Unleash Admin API calls for one project/environment. `replaceStrategies` applies a plan of
 * small calls and undoes the applied ones if a later call fails, so a failed write leaves the
 * flag as it was.
 */
export class UnleashAdminClient {
  private readonly http: AxiosInstance;
  private contextReady = false;

  constructor(private readonly t: UnleashTarget) {
    this.http = axios.create({
      baseURL: `${t.url}/api/admin`,
      headers: { Authorization: t.adminToken, 'content-type': 'application/json' },
      timeout: 5000,
      proxy: false,
    });
  }

  private get featurePath() {
    return `/projects/${encodeURIComponent(this.t.project)}/features`;
  }

  private envPath(name: string) {
    return `${this.featurePath}/${encodeURIComponent(name)}/environments/${encodeURIComponent(this.t.environment)}`;
  }

  /** Runs admin calls; anything but a domain error becomes a clear 503 (Unleash unreachable or refusing). */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DomainError) throw err;
      throw new DomainError(
        'service_unavailable',
        `Unleash is unavailable, nothing was changed: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  /** Our custom context fields (flipperId must allow stickiness) and strategy type. Idempotent. */
  async ensureContextFields(): Promise<void> {
    if (this.contextReady) return;
    const fields = [
      {
        name: CONTEXT_FIELDS.stickiness,
        description: 'Flipper actor id (User:1, Group:9, Instance)',
        stickiness: true,
      },
      {
        name: CONTEXT_FIELDS.actors,
        description: 'All actors of the request, comma-wrapped',
        stickiness: false,
      },
      {
        name: CONTEXT_FIELDS.featureGroups,
        description: 'Feature groups of the user, comma-wrapped',
        stickiness: false,
      },
    ];
    for (const f of fields) {
      const res = await this.http.post('/context', f, { validateStatus: () => true });
      if (res.status >= 300 && res.status !== 409) {
        const exists = await this.http.get(`/context/${f.name}`, { validateStatus: () => true });
        if (exists.status !== 200)
          throw new Error(`cannot create Unleash context field ${f.name}: HTTP ${res.status}`);
      }
    }
    const type = {
      name: ACTORS_STRATEGY,
      description:
        'Switchboard actor gate: on for the actors listed (User:1, Group:9, Project:5, Instance)',
      parameters: [
        { name: 'actors', type: 'list', description: 'Comma-separated actors', required: true },
      ],
    };
    const res = await this.http.post('/strategies', type, { validateStatus: () => true });
    if (res.status >= 300 && res.status !== 409) {
      const exists = await this.http.get(`/strategies/${ACTORS_STRATEGY}`, {
        validateStatus: () => true,
      });
      if (exists.status !== 200)
        throw new Error(
          `cannot create Unleash strategy type ${ACTORS_STRATEGY}: HTTP ${res.status}`,
        );
    }
    this.contextReady = true;
  }

  /** Current enabled state and strategies of a flag in our environment; undefined if absent. */
  async read(name: string): Promise<RemoteState | undefined> {
    const res = await this.http.get<RemoteFeature>(
      `${this.featurePath}/${encodeURIComponent(name)}`,
      {
        validateStatus: (s) => s === 200 || s === 404,
      },
    );
    if (res.status === 404) return undefined;
    const env = res.data.environments?.find((e) => e.name === this.t.environment);
    return {
      enabled: env?.enabled ?? false,
      strategies: env?.strategies ?? [],
      pending: isPending(res.data.description),
    };
  }

  /**
   * Apply `plan` to the environment, undoing on failure.
   * `create` (the feature does not exist yet): it is created marked pending, strategies are added
   * while it is disabled, then it is enabled and the mark removed; any failure deletes it again.
   * A `current.pending` feature (left by a create that could not be undone) is finished the same way.
   */
  // eslint-disable-next-line max-lines-per-function -- each Admin API step sits beside its undo; split apart, the undo order is easy to get wrong
  async applyPlan(
    name: string,
    current: RemoteState,
    plan: StrategyPlan,
    feature: { type: string; description: string | null; create: boolean },
  ) {
    const undo: Array<() => Promise<unknown>> = [];
    const base = this.envPath(name);
    const featureUrl = `${this.featurePath}/${encodeURIComponent(name)}`;
    try {
      if (feature.create) {
        await this.http.post(this.featurePath, {
          name,
          type: FEATURE_TYPE[feature.type] ?? 'release',
          description: PENDING_MARK + (feature.description ?? ''),
        });
        undo.push(() => this.remove(name));
      }
      if (current.enabled && !plan.enabled) {
        await this.http.post(`${base}/off`);
        undo.push(() => this.http.post(`${base}/on`));
      }
      // Add before delete: an enabled environment must never pass through "no strategies"
      // (which Unleash reads as on for everyone).
      for (const s of plan.add) {
        const created = await this.http.post<{ id: string }>(`${base}/strategies`, body(s));
        undo.push(() => this.http.delete(`${base}/strategies/${created.data.id}`));
      }
      for (const old of plan.remove) {
        await this.http.delete(`${base}/strategies/${old.id}`);
        undo.push(() => this.http.post(`${base}/strategies`, body(old)));
      }
      if (!current.enabled && plan.enabled) {
        await this.http.post(`${base}/on`);
        undo.push(() => this.http.post(`${base}/off`));
      }
      if (feature.create || current.pending) {
        await this.http.patch(featureUrl, [
          { op: 'replace', path: '/description', value: feature.description ?? '' },
        ]);
      }
    } catch (err) {
      const undoFailures = await runUndo(undo);
      if (undoFailures.length > 0) {
        rootLogger.error(
          { flag: name, err: describe(err), undoFailures },
          'Unleash write failed and could not be fully undone; the flag may be partially changed',
        );
        throw new DomainError(
          'service_unavailable',
          `Unleash rejected the change to ${name} (${describe(err)}) and undoing it failed too ` +
            `(${undoFailures.join('; ')}): the change may be partially applied; check the flag and retry`,
          { cause: err },
        );
      }
      throw new DomainError(
        'service_unavailable',
        `Unleash rejected the change to ${name}, nothing was applied: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * Archive then delete: the flag is gone from Unleash (back to its default here). A feature left
   * in the archive would block creating the name again, so that step must succeed too.
   */
  async remove(name: string): Promise<void> {
    const res = await this.http.delete(`${this.featurePath}/${encodeURIComponent(name)}`, {
      validateStatus: () => true,
    });
    if (res.status >= 300 && res.status !== 404) throw new Error(`archive: HTTP ${res.status}`);
    const gone = await this.http.delete(`/archive/${encodeURIComponent(name)}`, {
      validateStatus: () => true,
    });
    if (gone.status >= 300 && gone.status !== 404) {
      // Archived: the SDK no longer serves it (back to its default), so "nothing changed" is false.
      throw new DomainError(
        'service_unavailable',
        `${name} was archived in Unleash (it is back to its default) but deleting it from the ` +
          `archive failed (HTTP ${gone.status}); until it is, the name cannot be created again: retry the delete`,
      );
    }
  }
}

/** A strategy as the Admin API takes it (an undo re-creates a deleted one as it was). */
const body = (s: NativeStrategy) => ({
  name: s.name,
  title: s.title,
  parameters: s.parameters,
  constraints: s.constraints,
  ...(s.disabled !== undefined ? { disabled: s.disabled } : {}),
  ...(s.segments !== undefined ? { segments: s.segments } : {}),
  ...(s.variants !== undefined ? { variants: s.variants } : {}),
});

/** Runs undo steps newest first, all of them even when one fails; returns what failed. */
async function runUndo(steps: Array<() => Promise<unknown>>): Promise<string[]> {
  const failures: string[] = [];
  for (const step of [...steps].reverse()) {
    await step().catch((err: unknown) => failures.push(describe(err)));
  }
  return failures;
}

export function describe(err: unknown): string {
  if (axios.isAxiosError(err))
    return err.response ? `HTTP ${err.response.status}` : (err.code ?? err.message);
  return (err as Error).message;
}
