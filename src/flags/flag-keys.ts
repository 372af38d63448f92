/**
 * Every flag the code asks about by name, in one place. Flags named only by data (the model
 * catalogue's beta and opt-out flags) are checked against the definitions at boot instead.
 */
export const FLAG_KEYS = [
  'ai_duo_code_suggestions_switch',
  'code_completion_v4_endpoint',
  'incident_fail_over_completion_provider',
  'incident_fail_over_generation_provider',
  'expanded_ai_logging',
] as const;

export type FlagKey = (typeof FLAG_KEYS)[number];

export const FLAG_TYPES = ['beta', 'ops', 'gitlab_com_derisk', 'wip', 'experiment'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];
