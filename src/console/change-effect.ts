import { toUnleashContext, userSubject } from '../flags/flag-context';
import { FlagEngine } from '../flags/flag-engine';
import type { FeatureState } from '../flags/gates';
import type { SeatedUser } from './change-preview.repository';

/** A seated user as a flag sees them: their seat groups and whether they are in the team. */
export interface PreviewSubject extends SeatedUser {
  teamMember: boolean;
}

/**
 * How many of `users` the flag is on for in `state`, evaluated by the same engine requests use.
 * Only the parts that are the same on every request count: a percentage of time is chosen per
 * request and a project actor applies to requests made in that project, so both are left out
 * (the preview states them separately).
 */
export function countOn(state: FeatureState, users: PreviewSubject[], fallback: boolean): number {
  const engine = new FlagEngine();
  const steady: FeatureState = {
    ...state,
    gates: {
      ...state.gates,
      actors: state.gates.actors.filter((a) => !a.startsWith('Project:')),
      percentageOfTime: 0,
    },
  };
  engine.load([steady]);
  let on = 0;
  for (const u of users) {
    const subject = userSubject(
      u.userId,
      u.seatGroupIds,
      undefined,
      u.teamMember ? ['gitlab_team_members'] : [],
    );
    if (engine.isEnabled(state.name, toUnleashContext(subject), () => fallback)) on++;
  }
  return on;
}

export interface EffectFacts {
  seated: number;
  onBefore: number;
  onAfter: number;
  /** Percentage of requests after the change (0: none). */
  percentageOfTime: number;
  /** The change sets a sticky percentage of users. */
  percentageOfActors?: number;
  /** Projects the change names, and the seated members there (an estimate). */
  projects?: { paths: string[]; seatedMembers: number; enabled: boolean };
  /** Users the change names who have no seat. */
  unseated: string[];
  /** The change names the Instance actor. */
  instance: boolean;
  /** `remove`: back to the definition default. */
  toDefault?: boolean;
  defaultEnabled: boolean;
}

const users = (n: number, of: number) =>
  n === of && of > 0
    ? `all ${of} users with a seat`
    : n === 0
      ? `none of the ${of} users with a seat`
      : `${n} of the ${of} users with a seat`;

/** The sentence a confirmation shows: who has the flag after the change, and what else it does. */
export function effectSentence(f: EffectFacts): string {
  const parts: string[] = [];
  const head = f.toDefault ? `back to the default (${f.defaultEnabled ? 'on' : 'off'}): ` : '';
  const was = f.onAfter === f.onBefore ? 'unchanged' : `was ${f.onBefore}`;
  parts.push(`${head}on for ${users(f.onAfter, f.seated)} (${was})`);
  if (f.percentageOfActors !== undefined) {
    parts.push(`${f.percentageOfActors}% of users, the same ones on every request`);
  }
  if (f.percentageOfTime > 0 && f.onAfter < f.seated) {
    const others = f.onAfter === 0 ? 'every user with a seat' : 'the others';
    parts.push(`and ${f.percentageOfTime}% of the requests of ${others}, chosen per request`);
  }
  if (f.projects) {
    parts.push(
      `${f.projects.enabled ? 'and' : 'no longer'} for requests made in ${f.projects.paths.join(', ')} (about ${f.projects.seatedMembers} ` +
        `of the ${f.seated} users with a seat are members there)`,
    );
  }
  if (f.instance) parts.push('and the instance-wide checks (the Instance actor)');
  if (f.unseated.length > 0) {
    const verb = f.unseated.length === 1 ? 'has' : 'have';
    parts.push(`${f.unseated.join(', ')} ${verb} no seat (no suggestions either way)`);
  }
  return parts.join('; ');
}
