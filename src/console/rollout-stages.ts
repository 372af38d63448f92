import { emptyGates, type FlagGates } from '../flags/gates';

/**
 * The console's staged rollout. Each stage is a whole set of gates: going to a stage sets its
 * gates and removes every other gate, so the flag is always at exactly one stage (or "mixed" when
 * gates were set by hand on the Flags page or the Features API). Pure: the service resolves
 * names to actors and writes the result in one audited change.
 */
export const STAGE_IDS = ['staging', 'team', 'project', 'percentage', 'everyone'] as const;
export type StageId = (typeof STAGE_IDS)[number];
export type StageName = StageId | 'not_started' | 'mixed';

/** The feature group of the "Team members" stage (flag-subjects.service.ts FEATURE_GROUPS). */
export const TEAM_GROUP = 'gitlab_team_members';

export interface StageDefinition {
  id: StageId;
  name: string;
  help: string;
  /** What the admin types for this stage, if anything. */
  input?: { field: 'users' | 'project' | 'percentage'; label: string };
}

export const STAGES: readonly StageDefinition[] = [
  {
    id: 'staging',
    name: 'Staging',
    help: 'a few named test accounts',
    input: { field: 'users', label: 'Test accounts (usernames)' },
  },
  { id: 'team', name: 'Team members', help: `feature group ${TEAM_GROUP}` },
  {
    id: 'project',
    name: 'A project',
    help: 'requests made in one project',
    input: { field: 'project', label: 'Project path' },
  },
  {
    id: 'percentage',
    name: 'A percentage',
    help: 'a sticky share of users',
    input: { field: 'percentage', label: 'Percentage of users' },
  },
  { id: 'everyone', name: 'Everyone', help: 'the flag on for all' },
];

/** What a stage's input resolved to: actors such as `User:3` / `Project:7`, or a percentage. */
export interface StageArgs {
  actors?: string[];
  percentage?: number;
}

/** The gates a stage consists of; nothing else stays. */
export function stageGates(stage: StageId, args: StageArgs = {}): FlagGates {
  const g = emptyGates();
  switch (stage) {
    case 'staging':
    case 'project':
      return { ...g, actors: [...new Set(args.actors ?? [])] };
    case 'team':
      return { ...g, featureGroups: [TEAM_GROUP] };
    case 'percentage':
      return { ...g, percentageOfActors: args.percentage ?? 0 };
    case 'everyone':
      return { ...g, boolean: true };
  }
}

/** One gate value, the unit a transition sets or removes. */
export interface GateItem {
  /** Stable identity: `actor:User:3`, `feature_group:x`, `percentage_of_actors:50`, `boolean`. */
  id: string;
  kind: 'boolean' | 'actor' | 'feature_group' | 'percentage_of_actors' | 'percentage_of_time';
  value: string | number | boolean;
}

export function gateItems(g: FlagGates): GateItem[] {
  const items: GateItem[] = [];
  if (g.boolean) items.push({ id: 'boolean', kind: 'boolean', value: true });
  for (const a of g.actors) items.push({ id: `actor:${a}`, kind: 'actor', value: a });
  for (const f of g.featureGroups)
    items.push({ id: `feature_group:${f}`, kind: 'feature_group', value: f });
  if (g.percentageOfActors > 0)
    items.push({
      id: `percentage_of_actors:${g.percentageOfActors}`,
      kind: 'percentage_of_actors',
      value: g.percentageOfActors,
    });
  if (g.percentageOfTime > 0)
    items.push({
      id: `percentage_of_time:${g.percentageOfTime}`,
      kind: 'percentage_of_time',
      value: g.percentageOfTime,
    });
  return items;
}

/** Which stage a flag's gates are: exactly one stage's kind of gate, none, or a mix. */
export function stageOf(g: FlagGates): StageName {
  const items = gateItems(g);
  if (items.length === 0) return 'not_started';
  const stages = new Set(items.map(stageOfItem));
  if (stages.size !== 1) return 'mixed';
  return [...stages][0];
}

function stageOfItem(i: GateItem): StageName {
  switch (i.kind) {
    case 'boolean':
      return 'everyone';
    case 'actor':
      if (String(i.value).startsWith('User:')) return 'staging';
      if (String(i.value).startsWith('Project:')) return 'project';
      return 'mixed'; // a group, namespace or instance actor: no stage sets one
    case 'feature_group':
      return i.value === TEAM_GROUP ? 'team' : 'mixed';
    case 'percentage_of_actors':
    case 'percentage_of_time':
      // The rollout guard watches both; a percentage of requests is still the percentage stage.
      return 'percentage';
  }
}

export interface StageTransition {
  from: StageName;
  to: StageName;
  /** Gates the transition adds. */
  set: GateItem[];
  /** Gates it takes away (the confirmation lists them). */
  removed: GateItem[];
  /** Gates that are there before and after. */
  kept: GateItem[];
}

/** From the gates a flag has to the gates a stage consists of. */
export function planTransition(before: FlagGates, after: FlagGates): StageTransition {
  const was = gateItems(before);
  const will = gateItems(after);
  const wasIds = new Set(was.map((i) => i.id));
  const willIds = new Set(will.map((i) => i.id));
  return {
    from: stageOf(before),
    to: stageOf(after),
    set: will.filter((i) => !wasIds.has(i.id)),
    removed: was.filter((i) => !willIds.has(i.id)),
    kept: will.filter((i) => wasIds.has(i.id)),
  };
}
