import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FLEET_BREAKERS, type FleetBreakers } from '../common/fleet/fleet-breakers';
import { FlagsService } from '../flags/flags.service';
import type { FlagSubject } from '../flags/flag-context';
import type { SeatContext } from '../identity/seats/seats.service';
import type { InstanceSettingsRecord } from '../identity/settings/settings.repository';
import { BreakersService } from '../resilience/breakers.service';
import { RolloutGuardService } from '../resilience/rollout-guard.service';
import { loadModelCatalogue, ModelCatalogue } from '../routing/model-catalogue';
import { decideDirectAccess, decideRoute } from '../routing/routing-policy';
import { SelectionRefusedError } from '../routing/selection-rule';
import { DomainError } from '../common/errors/domain-error';
import { realmOf } from './identity-headers';
import type {
  BreakerView,
  FlagOracle,
  ModelAvailability,
  ModelSelectionInput,
  RoutingContext,
  RoutingDecision,
  RoutingRequest,
} from '../routing/routing.types';

/**
 * Feeds the pure routing policy: the catalogue (loaded and checked against the flag
 * definitions at boot), in-memory flag answers for this user, seat groups and settings.
 */
@Injectable()
export class RouteDeciderService implements OnModuleInit {
  private catalogue!: ModelCatalogue;
  /** Retired models (GatewayModelsService); none known until it has checked. */
  private availability: ModelAvailability | undefined;

  constructor(
    private readonly flags: FlagsService,
    private readonly breakers: BreakersService,
    private readonly guard: RolloutGuardService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FLEET_BREAKERS) private readonly fleet: FleetBreakers,
  ) {
    breakers.onStateChange((upstream, state) => fleet.report(upstream, state === 'closed'));
  }

  onModuleInit(): void {
    this.catalogue = loadModelCatalogue(
      this.config.modelsFile,
      new Set(this.flags.definitions.keys()),
    );
    this.guard.watch(this.catalogue.completionRules);
  }

  get models(): ModelCatalogue {
    return this.catalogue;
  }

  setAvailability(view: ModelAvailability): void {
    this.availability = view;
  }

  oracleFor(subject: FlagSubject): FlagOracle {
    const memo = new Map<string, boolean>();
    const ask = (key: string, fn: () => boolean) => {
      let v = memo.get(key);
      if (v === undefined) memo.set(key, (v = fn()));
      return v;
    };
    return {
      forUser: (flag) => ask(flag, () => this.flags.isEnabled(flag, subject)),
      forGroup: (flag, id) => ask(`${flag}|G${id}`, () => this.flags.isEnabledForGroup(flag, id)),
      forInstance: (flag) => ask(`${flag}|I`, () => this.flags.isEnabledForInstance(flag)),
    };
  }

  /** `failed`: a model whose attempt just failed, treated as if its breaker were open. */
  decide(
    req: RoutingRequest,
    subject: FlagSubject,
    seat: SeatContext,
    settings: InstanceSettingsRecord,
    selection?: ModelSelectionInput,
    failed?: { provider: string; name: string },
  ): RoutingDecision {
    const breakers: BreakerView = failed
      ? {
          isOpen: (p, m) =>
            (p === failed.provider && m === failed.name) || this.breakers.isOpen(p, m),
          state: (p, m) => this.breakers.state(p, m),
        }
      : this.breakers;
    const decision = refusedAs422(() =>
      decideRoute(
        req,
        contextOf(seat, settings, selection),
        this.oracleFor(subject),
        this.catalogue,
        breakers,
        this.availability,
      ),
    );
    return this.directOnlyWhenClosed(decision);
  }

  /** POST direct_access: the completion decision for this user, without a request body. */
  decideDirectAccess(
    subject: FlagSubject,
    seat: SeatContext,
    settings: InstanceSettingsRecord,
    selection?: ModelSelectionInput,
  ): RoutingDecision {
    const decision = refusedAs422(() =>
      decideDirectAccess(
        contextOf(seat, settings, selection),
        this.oracleFor(subject),
        this.catalogue,
        this.breakers,
        this.availability,
      ),
    );
    return this.directOnlyWhenClosed(decision);
  }

  /**
   * The policy lets direct access back once a probe is due; but a direct-access token lasts an
   * hour and would send the IDE straight to a model no probe has shown to be up. So under
   * automatic failover, direct access waits until the picked model's breaker is closed again,
   * in this process and in every other process of the fleet.
   */
  private directOnlyWhenClosed(d: RoutingDecision): RoutingDecision {
    const failover = this.catalogue.completionFailover;
    const m = d.model;
    if (
      failover?.mode !== 'automatic' ||
      d.task !== 'completion' ||
      !d.directAccess.allowed ||
      m === undefined ||
      m.key === failover.model.key ||
      (this.breakers.isClosed(m.provider, m.name) &&
        !this.fleet.openElsewhere(`${m.provider}/${m.name}`))
    ) {
      return d;
    }
    return {
      ...d,
      directAccess: { allowed: false, reason: 'failover_automatic' },
      trace: [
        ...d.trace.filter((t) => t.rule !== 'direct_access'),
        {
          rule: 'direct_access',
          consulted: [],
          matched: false,
          why: this.breakers.isClosed(m.provider, m.name)
            ? `breaker for ${m.provider}/${m.name} open in another process of the fleet`
            : `breaker for ${m.provider}/${m.name} not closed yet (no probe has succeeded)`,
        },
      ],
    };
  }
}

function contextOf(
  seat: SeatContext,
  settings: InstanceSettingsRecord,
  selection: ModelSelectionInput | undefined,
): RoutingContext {
  return {
    realm: realmOf(settings),
    instanceDirectDisabled: settings.disabledDirectCodeSuggestions,
    seatGroups: seat.groups,
    ...(selection ? { selection } : {}),
  };
}

/** A selected model with no form for this request's API: a 422 with the reason, not a 500. */
function refusedAs422(decide: () => RoutingDecision): RoutingDecision {
  try {
    return decide();
  } catch (err) {
    if (err instanceof SelectionRefusedError) throw new DomainError('unprocessable', err.message);
    throw err;
  }
}
