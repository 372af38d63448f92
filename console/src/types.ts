/** The JSON shapes the console reads (Features API, audit events, routing explain, console API). */
export interface Gate {
  key: string;
  value: unknown;
}

export interface Feature {
  name: string;
  state: string;
  gates: Gate[];
  definition: {
    type: string;
    default_enabled: boolean;
    description: string | null;
    rollout_issue_url: string | null;
  } | null;
}

export interface AuditEvent {
  id: number;
  author_id: number | null;
  author_name: string | null;
  entity_type: string;
  entity_id: string;
  event_name: string;
  details: { before: unknown; after: unknown };
  created_at: string;
  /** `User:2` → username, `Group:1` → group path, `Project:3` → project path. */
  names: Record<string, string>;
}

/** The server's dry run of a flag change (POST/DELETE /api/v4/admin/console/preview/features/:name). */
export interface ChangePreview {
  flag: string;
  state_before: string;
  state_after: string;
  gates_after: Gate[];
  seated_users: number;
  on_before: number;
  on_after: number;
  unseated_users: string[];
  effect: string;
}

export interface Rule {
  order: number;
  kind: 'failover' | 'gateway_api' | 'beta' | 'default';
  flag?: string;
  opt_out_flag?: string;
  model?: string;
  api?: string;
  mode?: string;
  rollout_guard?: { enabled: boolean; max_error_rate_delta: number; max_p95_latency_ratio: number };
}

export interface Summary {
  users: number;
  seated_users: number;
  feature_groups: string[];
  models: { key: string; provider: string; name: string; prompt_version: number }[];
  completion_rules: Rule[];
  generation: { prompt_id: string; prompt_version: string; sse_api: string; default_api: string };
  rollouts: { flag: string; kind: string; model: string | null; baseline: string | null }[];
  failover_flags: { flag: string; task: string; backup: string | null }[];
}

export interface Health {
  label: string;
  requests: number;
  errors: number;
  error_rate: number;
  p95_ms: number;
}

export type Dimension = 'model' | 'provider' | 'api';

export interface Traffic {
  window_minutes: number;
  /** Complete minutes only (epoch s); the minute under way is `current`. */
  minutes: number[];
  by: Record<Dimension, Record<string, number[]>>;
  current: { minute: number; by: Record<Dimension, Record<string, number>> };
  /** Upstream attempts per model, per API; answers per API. */
  health: Health[];
  api_attempt_health: Health[];
  api_health: Health[];
  breakers: Record<string, string>;
  breaker_transitions: { upstream: string; state: string; at: string }[];
  rollout_guard: {
    watching: { flag: string; model: string }[];
    actions: { flag: string; at: string; reason: string }[];
  };
  automatic_failover: AutomaticFailover;
}

/** Whether breakers send completions to the backup (src/console/failover-activity.ts). */
export interface AutomaticFailover {
  active: boolean;
  since: string | null;
  breakers: { upstream: string; state: string; since: string }[];
  failed_over: number;
  routes: { from_model: string; to_model: string; trigger: string; count: number }[];
}

export interface Decision {
  api: string;
  endpoint: string;
  model: { provider: string; name: string } | null;
  model_source: string;
  direct_access: { allowed: boolean; reason?: string };
  deciding_flags: Record<string, boolean>;
  trace: { rule: string; matched: boolean; why: string }[];
}

export interface Explanation {
  user: { id: number; username: string };
  seat: { has_seat: boolean };
  completion: Decision;
  generation: Decision;
}

export type StageId = 'staging' | 'team' | 'project' | 'percentage' | 'everyone';
export type StageName = StageId | 'not_started' | 'mixed';

export interface GateItem {
  id: string;
  kind: string;
  value: unknown;
  text: string;
}

export interface RolloutState {
  flag: string;
  kind: 'beta' | 'gateway_api';
  model: string | null;
  baseline: string | null;
  stage: StageName;
  gates: GateItem[];
  attention: { level: 'rolled_back' | 'unhealthy' | 'in_progress'; reason: string } | null;
}

export interface Rollouts {
  stages: {
    id: StageId;
    name: string;
    help: string;
    input?: { field: string; label: string };
  }[];
  health_minutes: number;
  rollouts: RolloutState[];
}

export interface StagePlan {
  flag: string;
  from: StageName;
  to: StageName;
  set: GateItem[];
  removed: GateItem[];
  kept: GateItem[];
  /** Whom the stage's gates reach, computed by the server as for a Features API change. */
  effect: string;
}

export interface ArmAcceptance {
  shown: number;
  accepted: number;
  rate: number | null;
  interval: { low: number; high: number } | null;
}

export interface RolloutAcceptance {
  flag: string;
  model: string;
  percentage: number | null;
  limits: { min_shown: number; max_drop: number; alpha: number };
  status: {
    since: string;
    verdict: 'collecting' | 'no_evidence_of_harm' | 'harm';
    summary: string;
    beta: ArmAcceptance;
    control: ArmAcceptance;
    drop: { estimate: number; low: number; high: number } | null;
  } | null;
  last_rollback: { at: string; reason: string } | null;
}

export interface AcceptanceReport {
  window_minutes: number;
  rollouts: RolloutAcceptance[];
  models: (ArmAcceptance & { model: string; rejected: number })[];
}
