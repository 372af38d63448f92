import type { Context } from 'unleash-client/lib/context';
import { CONTEXT_FIELDS } from './gates';

/**
 * Who a flag is asked about. `primary` is the actor percentages stick to; `actors` are all the
 * actors an actor gate may match (the user, the groups giving the user a seat, the project).
 */
export interface FlagSubject {
  readonly primary: string;
  readonly actors: readonly string[];
  readonly featureGroups: readonly string[];
}

export const INSTANCE_ACTOR = 'Instance';

export const userSubject = (
  userId: number,
  seatGroupIds: readonly number[],
  projectId: number | undefined,
  featureGroups: readonly string[],
): FlagSubject => ({
  primary: `User:${userId}`,
  actors: [
    `User:${userId}`,
    ...seatGroupIds.map((g) => `Group:${g}`),
    ...(projectId !== undefined ? [`Project:${projectId}`] : []),
  ],
  featureGroups,
});

export const groupSubject = (groupId: number): FlagSubject => ({
  primary: `Group:${groupId}`,
  actors: [`Group:${groupId}`],
  featureGroups: [],
});

export const instanceSubject: FlagSubject = {
  primary: INSTANCE_ACTOR,
  actors: [INSTANCE_ACTOR],
  featureGroups: [],
};

/** The unleash-client context for a subject (comma-wrapped lists match STR_CONTAINS gates). */
export function toUnleashContext(subject: FlagSubject, environment?: string): Context {
  return {
    userId: subject.primary,
    environment,
    [CONTEXT_FIELDS.stickiness]: subject.primary,
    [CONTEXT_FIELDS.actors]: `,${subject.actors.join(',')},`,
    [CONTEXT_FIELDS.featureGroups]: `,${subject.featureGroups.join(',')},`,
    properties: {
      [CONTEXT_FIELDS.stickiness]: subject.primary,
      [CONTEXT_FIELDS.actors]: `,${subject.actors.join(',')},`,
      [CONTEXT_FIELDS.featureGroups]: `,${subject.featureGroups.join(',')},`,
    },
  };
}
