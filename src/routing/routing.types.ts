/**
 * Types of the routing core: which task a request is, which model answers it and through which
 * AI Gateway API. Everything in src/routing is pure: no I/O, no clock, no Nest.
 */

export type Task = 'completion' | 'generation';
export type GenerationType = 'comment' | 'empty_function' | 'small_file';
export type GatewayApi = 'v2' | 'v3' | 'v4';

/** Upstream path per API version (docs/api-contract.md). */
export const ENDPOINT_PATHS = {
  v2: '/v2/code/completions',
  v3: '/v3/code/completions',
  v4: '/v4/code/suggestions',
} as const satisfies Record<GatewayApi, string>;

export type EndpointPath = (typeof ENDPOINT_PATHS)[GatewayApi];

/**
 * How Switchboard shapes the v2 `prompt` field. A closed list on purpose: a new model that reuses
 * one of these needs no code, a new prompt shape does (and the switch in request-builders says where).
 */
export const PROMPT_FORMATS = ['none', 'codestral_fim', 'anthropic_fim_messages'] as const;
export type PromptFormat = (typeof PROMPT_FORMATS)[number];

export const POST_PROCESS_STEPS = [
  'cut_at_stop_tokens',
  'trim_trailing_whitespace',
  'drop_comment_only',
] as const;
export type PostProcessStep = (typeof POST_PROCESS_STEPS)[number];

export interface ModelSpec {
  /** Catalogue key, e.g. `codestral-2508-vertex`; rules refer to models by key. */
  readonly key: string;
  /** v2 `model_provider`, e.g. `vertex-ai`. */
  readonly provider: string;
  /** v2 `model_name`, e.g. `codestral-2508`. */
  readonly name: string;
  /** The gateway's identifier (`codestral_2508_vertex`): v4 `model_metadata.identifier`. */
  readonly gitlabIdentifier?: string;
  /** v2 `prompt_version`: 1 no prompt, 2 string prompt, 3 messages. */
  readonly promptVersion: 1 | 2 | 3;
  readonly promptFormat: PromptFormat;
  readonly stopTokens: readonly string[];
  readonly postProcessing: readonly PostProcessStep[];
  readonly maxTokens?: number;
  /** Character budget for a prompt Switchboard builds (versions 2 and 3); above first, below gets the rest. */
  readonly maxInputChars: number;
}

/** In-memory flag answers (the flag service implements it; tests fake it with a table). */
export interface FlagOracle {
  forUser(flag: string): boolean;
  forGroup(flag: string, groupId: number): boolean;
  forInstance(flag: string): boolean;
}

/**
 * Which catalogue models the gateway no longer offers (its `/v1/models/definitions`, or the pinned
 * v2 allowlist). A retired model's rule is skipped; `undefined` means offered (or not known).
 */
export interface ModelAvailability {
  retiredReason(model: ModelSpec): string | undefined;
}

/** v4 `model_metadata` as GitLab sends it for code completions. */
export interface GitlabModelMetadata {
  readonly provider: 'gitlab';
  readonly feature_setting: string;
  /** Only when a rule chose the model; without it the gateway uses its default for the setting. */
  readonly identifier?: string;
}

/** Automatic failover input: circuit breaker state per upstream model (may be absent). */
export interface BreakerView {
  /** Routing's question: do this model's requests go to the backup now? */
  isOpen(provider: string, model: string): boolean;
  /**
   * The breaker's state as the console's Incidents page names it (`closed`, `open`, `half_open`,
   * `isolated`). An open breaker whose wait is over is not "open" for routing (the next request
   * probes the model) but is still open here: the trace says so instead of calling it closed.
   */
  state?(provider: string, model: string): string;
}

export interface RoutingRequest {
  readonly intent?: 'completion' | 'generation';
  readonly userInstruction?: string;
  readonly generationType?: GenerationType;
  readonly contentAboveCursor: string;
  readonly fileName: string;
  readonly languageIdentifier?: string;
  /** The client sent `X-Supports-Sse-Streaming: true`. */
  readonly supportsSseStreaming: boolean;
  /** The client asked for a stream (a v4 completion streams SSE, which it must support). */
  readonly stream?: boolean;
}

export interface SeatGroupView {
  readonly id: number;
  readonly directCodeSuggestionsEnabled: boolean;
}

export interface RoutingContext {
  readonly realm: 'saas' | 'self-managed';
  /** Application setting `disabled_direct_code_suggestions`. */
  readonly instanceDirectDisabled: boolean;
  /** Top-level groups whose add-on gives the user a seat. */
  readonly seatGroups: readonly SeatGroupView[];
  /** The completion model chosen for this user's group or instance; absent: GitLab default. */
  readonly selection?: ModelSelectionInput;
}

export interface RuleTrace {
  readonly rule: string;
  /** Flags asked while evaluating this rule. */
  readonly consulted: readonly string[];
  readonly matched: boolean;
  readonly why: string;
}

export type ModelSource =
  'gateway' | 'default' | 'beta' | 'selected' | 'failover_manual' | 'failover_automatic';

/**
 * The model a top-level group (SaaS) or the instance (self-managed) chose for code completions,
 * resolved for this user before routing. `stale`: the gateway no longer offers it, so requests
 * use the default and the explanation says so.
 */
export interface ModelSelectionInput {
  /** The gateway's identifier (v4 `model_metadata.identifier`). */
  readonly identifier: string;
  /** Who chose it, for explain and logs: `group acme (id 3)` or `the instance`. */
  readonly by: string;
  readonly stale?: boolean;
}

export type DirectAccessDenial =
  'instance_disabled' | 'failover_manual' | 'failover_automatic' | 'group_disabled';

export interface DirectAccessDecision {
  readonly allowed: boolean;
  readonly reason?: DirectAccessDenial;
}

/** The AIGW prompt-registry entry a generation uses (`prompt_id` / `prompt_version`). */
export interface GenerationPrompt {
  readonly promptId: string;
  readonly promptVersion: string;
}

export interface RoutingDecision {
  readonly task: Task;
  readonly generationType?: GenerationType;
  readonly api: GatewayApi;
  readonly endpointPath: EndpointPath;
  /**
   * The catalogue model that answers a completion (v2 and v4: on v4 the default is the model the
   * gateway is expected to pick). Absent for generations (prompt registry).
   */
  readonly model?: ModelSpec;
  /** v4 completions: the `model_metadata` to send. */
  readonly modelMetadata?: GitlabModelMetadata;
  readonly generationPrompt?: GenerationPrompt;
  readonly modelSource: ModelSource;
  /** `failover_automatic` at routing: the model the rules picked, whose breaker is open. */
  readonly failedOverFrom?: ModelSpec;
  readonly directAccess: DirectAccessDecision;
  /** Every flag consulted and its answer (logs, JWT claims, `x-gitlab-enabled-feature-flags`). */
  readonly decidingFlags: Readonly<Record<string, boolean>>;
  readonly trace: readonly RuleTrace[];
}

/** The validated IDE body (docs/api-contract.md), as the builders need it. */
export interface CompletionInput {
  current_file: {
    file_name: string;
    content_above_cursor: string;
    content_below_cursor?: string;
    language_identifier?: string;
  };
  intent?: 'completion' | 'generation';
  generation_type?: GenerationType;
  stream?: boolean;
  project_path?: string;
  project_id?: number;
  user_instruction?: string;
  context?: Array<{ type: 'file' | 'snippet'; name: string; content: string }>;
  choices_count?: number;
  prompt_version?: number;
  telemetry?: unknown[];
}
