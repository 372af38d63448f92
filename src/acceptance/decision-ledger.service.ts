import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { CHANGE_BUS, type ChangeBus } from '../common/fleet/change-bus';
import { RouteDeciderService } from '../code-suggestions/route-decider.service';
import { ServedDecisions, type ServedDecision } from '../code-suggestions/served-decisions';
import { FlagsService } from '../flags/flags.service';
import type { ModelCatalogue } from '../routing/model-catalogue';
import { UNKNOWN_ARM, type ServedAttribution } from './acceptance.types';
import { armOf, betaFlagsOf, gateOf, servedModelOf } from './arm';
import { DecisionLedger, GATE_RECHECK_MS } from './decision-ledger';
import { candidateModels, sanitizedModelName } from './event-model';

/** After a bus outage, the decisions this process served this recently are told again. */
const REPUBLISH_WINDOW_MS = 60 * 60_000;

/**
 * Keeps per user the latest decision(s) served (model, arm, gate, time), from every completion
 * we proxy and every direct_access token we issue, and shares a change with the fleet through
 * the change bus (Redis) only when it changes: a completion costs a Map lookup, never a database
 * write or a Redis round trip.
 */
@Injectable()
export class DecisionLedgerService implements OnModuleInit {
  private readonly ledger = new DecisionLedger();
  private betaFlags: ReadonlyMap<string, string> = new Map();
  private catalogue?: ModelCatalogue;

  constructor(
    private readonly served: ServedDecisions,
    private readonly router: RouteDeciderService,
    private readonly flags: FlagsService,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
  ) {}

  onModuleInit(): void {
    this.served.listen((s) => this.onServed(s));
    this.bus.subscribe('acceptance.decision', (m) => {
      if (m) this.ledger.adopt(m.userId, m);
      // The bus reconnected: what this process told meanwhile may be lost. Tell it again.
      else this.republish(Date.now() - REPUBLISH_WINDOW_MS);
    });
  }

  /** The model, arm and gate that served the suggestion an event reports. */
  attribute(
    userId: number,
    modelName: string | undefined,
    engine: string | undefined,
  ): ServedAttribution {
    const models = modelName
      ? candidateModels(this.models(), modelName, engine)
      : { keys: [], all: undefined };
    const entry = this.ledger.lookup(userId, models.all);
    if (entry) return { model: entry.model, arm: entry.arm, gate: entry.gate };
    const model =
      models.keys.length === 1 ? models.keys[0] : sanitizedModelName(modelName) || 'unknown';
    return { model, arm: UNKNOWN_ARM, gate: null };
  }

  /** Whether `model` is a catalogue key (bounded metric labels). */
  isCatalogueModel(model: string): boolean {
    return this.models().models.has(model);
  }

  private models(): ModelCatalogue {
    const cat = this.router.models;
    if (cat !== this.catalogue) {
      this.catalogue = cat;
      this.betaFlags = betaFlagsOf(cat);
    }
    return cat;
  }

  private onServed(s: ServedDecision): void {
    const model = servedModelOf(s.decision);
    if (!model) return;
    this.models();
    const now = Date.now();
    const { arm, betaFlag } = armOf(s.decision, this.betaFlags);
    const cur = this.ledger.current(s.userId, s.path, model);
    if (cur && cur.arm === arm && (!betaFlag || now - cur.gateCheckedMs < GATE_RECHECK_MS)) {
      this.ledger.touch(cur, now);
      return;
    }
    const gate = betaFlag ? gateOf(this.flags.explain(betaFlag, s.subject).gate) : null;
    if (!this.ledger.note(s.userId, s.path, { model, arm, gate }, now)) return;
    this.bus.publish('acceptance.decision', {
      userId: s.userId,
      path: s.path,
      model,
      arm,
      gate,
      sinceMs: now,
    });
  }

  private republish(sinceMs: number): void {
    for (const { userId, entry: e } of this.ledger.own(sinceMs)) {
      const { path, model, arm, gate } = e;
      this.bus.publish('acceptance.decision', {
        userId,
        path,
        model,
        arm,
        gate,
        sinceMs: e.sinceMs,
      });
    }
  }
}
