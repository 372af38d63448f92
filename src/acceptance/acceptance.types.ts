/**
 * Suggestion acceptance: what the IDE reported about each code suggestion (shown, accepted,
 * rejected), attributed to the model and the rollout arm that served it. docs/acceptance.md.
 */

/** Counts of one model × arm × gate (× language when asked), over a window. */
export interface AcceptanceCounts {
  model: string;
  arm: string;
  gate: string | null;
  language?: string;
  shown: number;
  accepted: number;
  rejected: number;
}

/** The three events the GitLab Language Server sends to `/api/v4/usage_data/track_event`. */
export const SUGGESTION_EVENTS = {
  code_suggestion_shown_in_ide: 'shown',
  code_suggestion_accepted_in_ide: 'accepted',
  code_suggestion_rejected_in_ide: 'rejected',
} as const;

export type SuggestionEventName = keyof typeof SUGGESTION_EVENTS;
export type SuggestionFate = (typeof SUGGESTION_EVENTS)[SuggestionEventName];
export type SuggestionOutcome = Exclude<SuggestionFate, 'shown'>;

export const isSuggestionEvent = (name: string): name is SuggestionEventName =>
  Object.hasOwn(SUGGESTION_EVENTS, name);

/**
 * Arms: `beta:<flag>` (a beta rule's flag put the user on its model), `control:<flag>` (a beta
 * rule with that flag was evaluated and did not: the user got the default), `default` (no beta
 * rule consulted), `selected` (a namespace or instance model selection), `failover_manual`,
 * `failover_automatic`, `unknown` (no decision on record for the event).
 */
export type Arm = string;
export const UNKNOWN_ARM = 'unknown';

/** Which gate of a beta flag matched (`beta:` arms only). */
export const GATES = [
  'boolean',
  'actors',
  'groups',
  'projects',
  'percentage_of_actors',
  'percentage_of_time',
] as const;

/** Who served a user, as the decision ledger keeps it. */
export interface ServedAttribution {
  /** Catalogue model key (config/models.yml), or the gateway identifier of a selection. */
  model: string;
  arm: Arm;
  gate: string | null;
}

/** One suggestion's event, validated and attributed, waiting to be written. */
export interface AttributedEvent extends ServedAttribution {
  /** sha256 of the user id and the IDE's unique_tracking_id. */
  trackingKey: string;
  fate: SuggestionFate;
  /** '' when the IDE did not say. */
  language: string;
  receivedAtMs: number;
}
