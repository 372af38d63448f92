import type { Principal } from '../common/auth/principal';
import type { FlagSubject } from '../flags/flag-context';
import type { UpstreamResponse } from '../gateway/gateway.types';
import type { SeatContext } from '../identity/seats/seats.service';
import type { InstanceSettingsRecord } from '../identity/settings/settings.repository';
import type { CompletionLabels } from '../observability/request-metrics';
import type {
  ModelSelectionInput,
  RoutingDecision,
  RoutingRequest,
} from '../routing/routing.types';
import type { CompletionInputBody } from './completion-input.schema';

/** The shapes one completion request passes between its steps (completions.service.ts). */
export interface CompletionRequestMeta {
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  bodyChars: number;
  signal: AbortSignal;
  /** Called once routing is known, so the per-request metric carries task, API and model. */
  onRouted?: (labels: CompletionLabels) => void;
  /** Milliseconds since the request arrived (before authentication), for the latency metric. */
  elapsedMs?: () => number;
}

export interface CompletionResult {
  response: UpstreamResponse;
  decision: RoutingDecision;
  /** Sources served from stale data (flags, identity): the controller says so in a header. */
  stale: string[];
}

/** What every step of one completion request knows. */
export interface Completion {
  p: Principal;
  seat: SeatContext;
  subject: FlagSubject;
  /** The group's or instance's model selection for this user (absent: GitLab default). */
  selection: ModelSelectionInput | undefined;
  settings: InstanceSettingsRecord;
  input: CompletionInputBody;
  routing: RoutingRequest;
  meta: CompletionRequestMeta;
  /** Automatic failover: attempts go through the model's circuit breaker. */
  automatic: boolean;
  /** Time spent in gateway attempts (a failed primary's too): not our overhead. */
  upstreamMs: number;
  /** The decision of the last attempt (what the metrics label the request with). */
  decision?: RoutingDecision;
  /** Served (or tried) by another model than the rules picked: flag, breaker, failed attempt. */
  failedOver: boolean;
}
