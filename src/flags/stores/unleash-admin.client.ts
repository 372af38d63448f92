import axios, { AxiosInstance } from 'axios';
import { DomainError } from '../../common/errors/domain-error';
import { CONTEXT_FIELDS, UnleashStrategy } from '../gates';

export interface UnleashTarget {
  url: string;
  adminToken: string;
  project: string;
  environment: string;
}

interface RemoteStrategy extends UnleashStrategy {
  id: string;
}

interface RemoteFeature {
  name: string;
  environments?: Array<{ name: string; enabled: boolean; strategies?: RemoteStrategy[] }>;
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

  /** Our custom context fields (flipperId must allow stickiness). Idempotent. */
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
    this.contextReady = true;
  }

  /** Current enabled state and strategies of a flag in our environment; undefined if absent. */
  async read(
    name: string,
  ): Promise<{ enabled: boolean; strategies: RemoteStrategy[] } | undefined> {
    const res = await this.http.get<RemoteFeature>(
      `${this.featurePath}/${encodeURIComponent(name)}`,
      {
        validateStatus: (s) => s === 200 || s === 404,
      },
    );
    if (res.status === 404) return undefined;
    const env = res.data.environments?.find((e) => e.name === this.t.environment);
    return { enabled: env?.enabled ?? false, strategies: env?.strategies ?? [] };
  }

  async create(name: string, type: string, description: string | null): Promise<void> {
    await this.http.post(this.featurePath, {
      name,
      type: FEATURE_TYPE[type] ?? 'release',
      description: description ?? undefined,
    });
  }

  /** Make the environment hold exactly `desired` (enabled iff non-empty), undoing on failure. */
  async replaceStrategies(
    name: string,
    current: { enabled: boolean; strategies: RemoteStrategy[] },
    desired: UnleashStrategy[],
  ) {
    const undo: Array<() => Promise<unknown>> = [];
    const base = this.envPath(name);
    const body = (s: UnleashStrategy) => ({
      name: s.name,
      title: s.title,
      parameters: s.parameters,
      constraints: s.constraints,
    });
    try {
      if (current.enabled && desired.length === 0) {
        await this.http.post(`${base}/off`);
        undo.push(() => this.http.post(`${base}/on`));
      }
      // Add before delete: an enabled environment must never pass through "no strategies"
      // (which Unleash reads as on for everyone).
      for (const s of desired) {
        const created = await this.http.post<{ id: string }>(`${base}/strategies`, body(s));
        undo.push(() => this.http.delete(`${base}/strategies/${created.data.id}`));
      }
      for (const old of current.strategies) {
        await this.http.delete(`${base}/strategies/${old.id}`);
        undo.push(() => this.http.post(`${base}/strategies`, body(old)));
      }
      if (!current.enabled && desired.length > 0) {
        await this.http.post(`${base}/on`);
        undo.push(() => this.http.post(`${base}/off`));
      }
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw new DomainError(
        'service_unavailable',
        `Unleash rejected the change, nothing was applied: ${describe(err)}`,
        { cause: err },
      );
    }
  }

  /** Archive then delete: the flag is gone from Unleash (back to its default here). */
  async remove(name: string): Promise<void> {
    const res = await this.http.delete(`${this.featurePath}/${encodeURIComponent(name)}`, {
      validateStatus: () => true,
    });
    if (res.status >= 300 && res.status !== 404) throw new Error(`HTTP ${res.status}`);
    await this.http.delete(`/archive/${encodeURIComponent(name)}`, { validateStatus: () => true });
  }
}

export function describe(err: unknown): string {
  if (axios.isAxiosError(err))
    return err.response ? `HTTP ${err.response.status}` : (err.code ?? err.message);
  return (err as Error).message;
}
