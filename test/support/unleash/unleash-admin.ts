/**
 * Tiny typed client for the Unleash 7.5.1 Admin API, for tests. Endpoints (all JSON,
 * `Authorization: <admin token>`, project default 'default', environment default 'development'):
 *
 *   POST   /api/admin/projects/:project/features                                         {name,type?,description?,impressionData?} -> 201
 *   GET    /api/admin/projects/:project/features/:feature                                -> 200
 *   DELETE /api/admin/projects/:project/features/:feature                                (archive) -> 200
 *   DELETE /api/admin/archive/:feature                                                   (delete archived) -> 200
 *   POST   /api/admin/projects/:project/features/:feature/environments/:env/on          -> 200
 *   POST   /api/admin/projects/:project/features/:feature/environments/:env/off         -> 200
 *   GET    /api/admin/projects/:project/features/:feature/environments/:env/strategies  -> 200 FeatureStrategy[]
 *   POST   /api/admin/projects/:project/features/:feature/environments/:env/strategies  {name,parameters,constraints,...} -> 200 FeatureStrategy
 *   PUT    /api/admin/projects/:project/features/:feature/environments/:env/strategies/:id  (full replace) -> 200
 *   DELETE /api/admin/projects/:project/features/:feature/environments/:env/strategies/:id  -> 200
 *   POST   /api/admin/context                                                            {name,description?,stickiness?,legalValues?} -> 201
 *   GET    /api/admin/strategies                                                         strategy TYPES known to the server
 *   POST   /api/admin/strategies                                                         {name,description,parameters:[{name,type,description,required}]} -> 201
 *   GET    /api/client/features   (client token) what SDKs receive
 *
 * Strategy `parameters` values are STRINGS ("rollout": "25", "userIds": "a,b,c").
 * A FRESH 7.x install only knows the strategy types flexibleRollout, default, remoteAddress and
 * applicationHostname. `userWithId` (still built into unleash-client) must first be declared as a
 * custom strategy type (`ensureUserWithIdStrategy()`; addStrategy/updateStrategy do it on demand); the
 * modern equivalent is `strategies.usersIn()` (default strategy + `userId IN [...]`).
 * A freshly created flag is DISABLED in every environment and has no strategies; enabling an
 * environment with no strategies makes the flag ON for everyone.
 */

export type ConstraintOperator =
  | 'IN'
  | 'NOT_IN'
  | 'STR_ENDS_WITH'
  | 'STR_STARTS_WITH'
  | 'STR_CONTAINS'
  | 'NUM_EQ'
  | 'NUM_GT'
  | 'NUM_GTE'
  | 'NUM_LT'
  | 'NUM_LTE'
  | 'DATE_AFTER'
  | 'DATE_BEFORE'
  | 'SEMVER_EQ'
  | 'SEMVER_GT'
  | 'SEMVER_LT'
  | 'REGEX';

export interface Constraint {
  contextName: string;
  operator: ConstraintOperator;
  /** Multi-value operators (IN, NOT_IN, STR_*). */
  values?: string[];
  /** Single-value operators (NUM_*, DATE_*, SEMVER_*, REGEX). */
  value?: string;
  inverted?: boolean;
  caseInsensitive?: boolean;
}

export interface StrategyInput {
  /** 'default' | 'flexibleRollout' | 'remoteAddress' | 'applicationHostname' | 'userWithId' (custom type, see above) */
  name: string;
  title?: string;
  disabled?: boolean;
  sortOrder?: number;
  parameters?: Record<string, string>;
  constraints?: Constraint[];
}

export interface FeatureStrategy extends Required<
  Pick<StrategyInput, 'name' | 'parameters' | 'constraints'>
> {
  id: string;
  title?: string | null;
  disabled?: boolean | null;
  sortOrder?: number;
  segments?: number[];
  variants?: unknown[];
}

export type FeatureType = 'release' | 'experiment' | 'operational' | 'kill-switch' | 'permission';

export interface FeatureEnvironment {
  name: string;
  enabled: boolean;
  type?: string;
  strategies?: FeatureStrategy[];
}

export interface Feature {
  name: string;
  type?: string;
  project?: string;
  description?: string | null;
  impressionData?: boolean;
  environments?: FeatureEnvironment[];
  [key: string]: unknown;
}

/** Strategy builders (payloads exactly as the Admin API wants them). */
export const strategies = {
  /** On for everyone (the "standard"/default strategy). */
  default: (constraints: Constraint[] = []): StrategyInput => ({
    name: 'default',
    parameters: {},
    constraints,
  }),
  /**
   * On for context.userId in the list, as the legacy `userWithId` strategy type.
   * The server must know the type: `admin.addStrategy/updateStrategy` declare it on demand.
   */
  userWithId: (userIds: string[], constraints: Constraint[] = []): StrategyInput => ({
    name: 'userWithId',
    parameters: { userIds: userIds.join(',') },
    constraints,
  }),
  /** On for context.userId in the list: default strategy + `userId IN ids` (no custom type needed). */
  usersIn: (userIds: string[], extra: Constraint[] = []): StrategyInput => ({
    name: 'default',
    parameters: {},
    constraints: [{ contextName: 'userId', operator: 'IN', values: userIds }, ...extra],
  }),
  /**
   * Percentage rollout. stickiness: 'default' (userId, else sessionId, else random), 'random'
   * (percentage of evaluations), 'userId', 'sessionId' or ANY custom context field name.
   * groupId defaults to the flag name server-side; pass it to make buckets explicit.
   */
  flexibleRollout: (
    opts: { rollout: number; stickiness?: string; groupId?: string },
    constraints: Constraint[] = [],
  ): StrategyInput => ({
    name: 'flexibleRollout',
    parameters: {
      rollout: String(opts.rollout),
      stickiness: opts.stickiness ?? 'default',
      ...(opts.groupId !== undefined ? { groupId: opts.groupId } : {}),
    },
    constraints,
  }),
};

/** Constraint builders. */
export const constraints = {
  in: (contextName: string, values: string[]): Constraint => ({
    contextName,
    operator: 'IN',
    values,
  }),
  notIn: (contextName: string, values: string[]): Constraint => ({
    contextName,
    operator: 'NOT_IN',
    values,
  }),
  strContains: (contextName: string, values: string[]): Constraint => ({
    contextName,
    operator: 'STR_CONTAINS',
    values,
  }),
  /**
   * "Any of the caller's groups is in `groups`", for a context field holding a list encoded as
   * `,g1,g2,` (see encodeList). Each value is wrapped in commas so 'g1' never matches 'g10'.
   */
  anyOf: (contextName: string, groups: string[]): Constraint => ({
    contextName,
    operator: 'STR_CONTAINS',
    values: groups.map((g) => `,${g},`),
  }),
};

/** Encode a multi-valued context field for `constraints.anyOf`: ['a','b'] -> ',a,b,'. */
export function encodeList(values: readonly string[]): string {
  return values.length === 0 ? '' : `,${values.join(',')},`;
}

export class UnleashAdminError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Unleash ${method} ${path} -> ${status}: ${body.slice(0, 500)}`);
  }
}

export interface UnleashAdminOptions {
  /** http://127.0.0.1:PORT */
  url: string;
  adminToken: string;
  project?: string;
  environment?: string;
}

export class UnleashAdmin {
  readonly project: string;
  readonly environment: string;
  private readonly base: string;

  constructor(private readonly opts: UnleashAdminOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.project = opts.project ?? 'default';
    this.environment = opts.environment ?? 'development';
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    token = this.opts.adminToken,
  ): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: token,
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new UnleashAdminError(method, path, res.status, text);
    return (text.length > 0 ? JSON.parse(text) : undefined) as T;
  }

  private featurePath(feature: string): string {
    return `/api/admin/projects/${encodeURIComponent(this.project)}/features/${encodeURIComponent(feature)}`;
  }

  private envPath(feature: string, env = this.environment): string {
    return `${this.featurePath(feature)}/environments/${encodeURIComponent(env)}`;
  }

  createFeature(
    name: string,
    opts: { type?: FeatureType; description?: string; impressionData?: boolean } = {},
  ): Promise<Feature> {
    return this.request(
      'POST',
      `/api/admin/projects/${encodeURIComponent(this.project)}/features`,
      {
        name,
        type: opts.type ?? 'release',
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.impressionData !== undefined ? { impressionData: opts.impressionData } : {}),
      },
    );
  }

  getFeature(name: string): Promise<Feature> {
    return this.request('GET', this.featurePath(name));
  }

  /** Archive (the SDK stops receiving it), then delete it permanently. */
  async deleteFeature(name: string): Promise<void> {
    await this.request('DELETE', this.featurePath(name));
    await this.request('DELETE', `/api/admin/archive/${encodeURIComponent(name)}`);
  }

  async enableEnvironment(feature: string, env = this.environment): Promise<void> {
    await this.request('POST', `${this.envPath(feature, env)}/on`);
  }

  async disableEnvironment(feature: string, env = this.environment): Promise<void> {
    await this.request('POST', `${this.envPath(feature, env)}/off`);
  }

  listStrategies(feature: string, env = this.environment): Promise<FeatureStrategy[]> {
    return this.request('GET', `${this.envPath(feature, env)}/strategies`);
  }

  async addStrategy(
    feature: string,
    strategy: StrategyInput,
    env = this.environment,
  ): Promise<FeatureStrategy> {
    if (strategy.name === 'userWithId') await this.ensureUserWithIdStrategy();
    return this.request('POST', `${this.envPath(feature, env)}/strategies`, {
      parameters: {},
      constraints: [],
      ...strategy,
    });
  }

  /** Full replacement (PUT): send the whole strategy. */
  async updateStrategy(
    feature: string,
    strategyId: string,
    strategy: StrategyInput,
    env = this.environment,
  ): Promise<FeatureStrategy> {
    if (strategy.name === 'userWithId') await this.ensureUserWithIdStrategy();
    return this.request(
      'PUT',
      `${this.envPath(feature, env)}/strategies/${encodeURIComponent(strategyId)}`,
      {
        parameters: {},
        constraints: [],
        ...strategy,
      },
    );
  }

  async deleteStrategy(feature: string, strategyId: string, env = this.environment): Promise<void> {
    await this.request(
      'DELETE',
      `${this.envPath(feature, env)}/strategies/${encodeURIComponent(strategyId)}`,
    );
  }

  /**
   * Convenience: create a flag, add strategies, enable the environment.
   * Returns the created strategies (with ids) in order.
   */
  async createFlag(
    name: string,
    strategyInputs: StrategyInput[] = [strategies.default()],
    opts: { enabled?: boolean; env?: string; type?: FeatureType; description?: string } = {},
  ): Promise<FeatureStrategy[]> {
    await this.createFeature(name, { type: opts.type, description: opts.description });
    const created: FeatureStrategy[] = [];
    for (const s of strategyInputs) created.push(await this.addStrategy(name, s, opts.env));
    if (opts.enabled ?? true) await this.enableEnvironment(name, opts.env);
    return created;
  }

  /** Names of the strategy types the server accepts. */
  async strategyTypes(): Promise<string[]> {
    const res = await this.request<{ strategies: { name: string }[] }>(
      'GET',
      '/api/admin/strategies',
    );
    return res.strategies.map((s) => s.name);
  }

  private userWithIdDeclared = false;

  /** Declare the legacy `userWithId` strategy type (absent on fresh 7.x installs). Idempotent. */
  async ensureUserWithIdStrategy(): Promise<void> {
    if (this.userWithIdDeclared) return;
    if (!(await this.strategyTypes()).includes('userWithId')) {
      try {
        await this.request('POST', '/api/admin/strategies', {
          name: 'userWithId',
          description: 'Active for users with a userId defined in the userIds-list',
          parameters: [{ name: 'userIds', type: 'list', description: '', required: false }],
        });
      } catch (err) {
        // Lost a race with another caller: fine if it exists now.
        if (!(await this.strategyTypes()).includes('userWithId')) throw err;
      }
    }
    this.userWithIdDeclared = true;
  }

  /**
   * Optional: declare a custom context field (only needed for the Unleash UI, e.g. to offer it
   * as custom stickiness; the API and SDK accept undeclared field names in constraints and
   * stickiness).
   */
  async createContextField(
    name: string,
    opts: {
      description?: string;
      stickiness?: boolean;
      legalValues?: { value: string; description?: string }[];
    } = {},
  ): Promise<void> {
    await this.request('POST', '/api/admin/context', { name, ...opts });
  }

  /** What an SDK with `clientToken` receives right now (GET /api/client/features). */
  clientFeatures(
    clientToken: string,
  ): Promise<{ features: Feature[]; meta?: { revisionId: number; etag: string } }> {
    return this.request('GET', '/api/client/features', undefined, clientToken);
  }
}
