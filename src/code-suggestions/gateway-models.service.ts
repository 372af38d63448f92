import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { request } from 'undici';
import { isModelAllowed, USE_CASE_COMPLETIONS } from '../common/aigw/aigw-contract';
import { rootLogger } from '../common/logging/logger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { GATEWAY_BASE_URL, GatewayBaseUrl } from '../gateway/gateway.types';
import { ReadinessRegistry } from '../health/readiness.registry';
import { MetricsService } from '../observability/metrics.service';
import {
  availabilityOf,
  catalogueStatus,
  defaultProblem,
  type CatalogueModelStatus,
  type GatewayDefinitions,
} from '../routing/model-availability';
import { RouteDeciderService } from './route-decider.service';

import { LiveOfferedModels, OFFERED_MODELS } from '../model-selection/offered-models';

export const DEFINITIONS_PATH = '/v1/models/definitions';
const FETCH_TIMEOUT_MS = 5_000;

export class CatalogueMismatchError extends Error {}

type Fetched =
  | { kind: 'ok'; defs: GatewayDefinitions }
  | { kind: 'no_route' }
  | { kind: 'failed'; error: string };

/** What the catalogue check knows now (readiness detail, routing explain, the console). */
export interface GatewayModelsView {
  readonly source: 'gateway' | 'pinned_allowlist_only';
  /** `ok`: the last read answered; `no_route`: the gateway has no definitions route (404). */
  readonly lastRead: 'ok' | 'no_route' | 'failed' | 'not_yet';
  readonly lastReadAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly models: readonly CatalogueModelStatus[];
}

/**
 * Checks the catalogue against the gateway it talks to: the v2 names against the pinned
 * allowlist (config/aigw/contract.json), the identifiers against the gateway's
 * `GET /v1/models/definitions`, read at boot and every GATEWAY_MODELS_REFRESH_MS. The last
 * answer is kept through an outage; a gateway without the route (404) is allowed and said once.
 * A default the gateway does not offer stops the start; a retired beta or backup is never sent.
 */
@Injectable()
export class GatewayModelsService implements OnApplicationBootstrap, OnModuleDestroy {
  private defs: GatewayDefinitions | undefined;
  private status: CatalogueModelStatus[] = [];
  private lastRead: GatewayModelsView['lastRead'] = 'not_yet';
  private lastReadAt: Date | undefined;
  private lastSuccessAt: Date | undefined;
  private lastError: string | undefined;
  private saidNoRoute = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly router: RouteDeciderService,
    private readonly metrics: MetricsService,
    @Inject(GATEWAY_BASE_URL) private readonly baseUrl: GatewayBaseUrl,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly readiness?: ReadinessRegistry,
    /** Model selection validates and resolves choices against what the gateway offers now. */
    @Optional() @Inject(OFFERED_MODELS) private readonly offered?: LiveOfferedModels,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    const problem = defaultProblem(this.status, this.router.models, this.defs);
    if (problem) throw new CatalogueMismatchError(problem);
    this.readiness?.register('model_catalogue', () => Promise.resolve(this.readinessResult()));
    const every = this.config.gateway.modelsRefreshMs;
    if (every > 0) {
      this.timer = setInterval(() => void this.refresh(), every);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  view(): GatewayModelsView {
    return {
      source: this.defs ? 'gateway' : 'pinned_allowlist_only',
      lastRead: this.lastRead,
      lastReadAt: this.lastReadAt?.toISOString() ?? null,
      lastSuccessAt: this.lastSuccessAt?.toISOString() ?? null,
      lastError: this.lastError ?? null,
      models: this.status,
    };
  }

  /** Reads the definitions once more and applies them (also called by tests). */
  async refresh(): Promise<void> {
    const got = await this.fetchDefinitions();
    this.lastReadAt = new Date();
    this.lastRead = got.kind;
    switch (got.kind) {
      case 'ok':
        this.defs = got.defs;
        this.offered?.replace(got.defs, "the AI gateway's /v1/models/definitions");
        this.lastSuccessAt = this.lastReadAt;
        this.lastError = undefined;
        break;
      case 'no_route':
        this.defs = undefined;
        this.lastError = undefined;
        if (!this.saidNoRoute) {
          this.saidNoRoute = true;
          rootLogger.warn(
            { url: this.baseUrl() + DEFINITIONS_PATH },
            'the AI Gateway has no /v1/models/definitions (404): the catalogue is checked against the pinned allowlist only',
          );
        }
        break;
      case 'failed':
        // Keep the last known answer through an outage.
        this.lastError = got.error;
        rootLogger.warn(
          { error: got.error, keeping: this.defs ? 'last answer' : 'pinned allowlist only' },
          'could not read the AI Gateway model definitions',
        );
        break;
    }
    this.apply();
  }

  private apply(): void {
    const cat = this.router.models;
    const next = catalogueStatus(
      cat,
      (provider, name) => isModelAllowed(USE_CASE_COMPLETIONS, provider, name),
      this.defs,
    );
    for (const s of next) {
      const before = this.status.find((p) => p.key === s.key);
      if (!s.offered && (!before || before.offered))
        rootLogger.error(
          { model: s.key, role: s.role, reason: s.reason },
          'catalogue model retired: not sent',
        );
      if (s.offered && before && !before.offered)
        rootLogger.info({ model: s.key, role: s.role }, 'catalogue model offered again');
      this.metrics.catalogueModelOffered.set({ model: s.key, role: s.role }, s.offered ? 1 : 0);
    }
    this.status = next;
    this.router.setAvailability(availabilityOf(next));
  }

  private readinessResult() {
    // Never a 503: the v4 default is the gateway's own pick, and taking every instance out of
    // the load balancer because the gateway changed its list would stop all completions.
    const retired = this.status.filter((s) => !s.offered);
    return {
      ok: true,
      degraded: retired.length > 0 || this.lastRead === 'failed',
      detail: { ...this.view() },
    };
  }

  private async fetchDefinitions(): Promise<Fetched> {
    const url = this.baseUrl() + DEFINITIONS_PATH;
    try {
      const res = await request(url, {
        method: 'GET',
        headersTimeout: FETCH_TIMEOUT_MS,
        bodyTimeout: FETCH_TIMEOUT_MS,
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (res.statusCode === 404) {
        await res.body.dump();
        return { kind: 'no_route' };
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        return { kind: 'failed', error: `${url} answered ${res.statusCode}` };
      }
      const body = await res.body.json();
      return isDefinitions(body)
        ? { kind: 'ok', defs: body }
        : { kind: 'failed', error: `${url} answered a body without models and unit_primitives` };
    } catch (err) {
      return { kind: 'failed', error: `${url}: ${(err as Error).message}` };
    }
  }
}

function isDefinitions(v: unknown): v is GatewayDefinitions {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    Array.isArray(o.models) &&
    Array.isArray(o.unit_primitives) &&
    o.unit_primitives.every(
      (u) =>
        u !== null &&
        typeof u === 'object' &&
        typeof (u as Record<string, unknown>).feature_setting === 'string',
    )
  );
}
