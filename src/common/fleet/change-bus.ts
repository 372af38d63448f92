/**
 * Change notifications between the processes of a fleet (workers and instances). A process
 * applies its own change at once; the bus tells every OTHER process, which drops or re-reads what
 * it keeps in memory. Without shared state (REDIS_URL unset) nothing is sent and the polling and
 * cache TTLs that were there before still bound the staleness.
 */
export interface ChangeMessages {
  'token.revoked': { tokenId: number };
  /** A user's state or admin flag changed (blocked, unblocked, …). */
  'user.changed': { userId: number };
  'settings.changed': Record<string, never>;
  /** A seat assigned to or taken from the user. */
  'seats.changed': { userId: number };
  /** Groups created or changed (seat groups, team membership, group settings). */
  'groups.changed': Record<string, never>;
  'signing_keys.changed': Record<string, never>;
  'flags.changed': Record<string, never>;
  /** A group's or the instance's model selection changed (re-read all of them). */
  'model_selection.changed': Record<string, never>;
  /** A user's preferences changed (the default Duo namespace). */
  'user_preferences.changed': { userId: number };
  /** A process's database guard saw the database answer again after an outage. */
  'database.back': Record<string, never>;
  /** `open`: the breaker is not closed (open, half-open or isolated) in the sending process. */
  'breaker.state': { upstream: string; open: boolean };
}

export type ChangeTopic = keyof ChangeMessages;

/**
 * `data` undefined: messages may have been missed (the bus reconnected after an outage); treat
 * everything the topic covers as changed.
 */
export type ChangeHandler<T extends ChangeTopic> = (
  data: ChangeMessages[T] | undefined,
  origin: string,
) => void;

export interface ChangeBus {
  /** This process's id in the fleet (host, pid, random). */
  readonly origin: string;
  /** Fire and forget: a lost message is bounded by the polling / TTL fallbacks. */
  publish<T extends ChangeTopic>(topic: T, data: ChangeMessages[T]): void;
  subscribe<T extends ChangeTopic>(topic: T, handler: ChangeHandler<T>): void;
}

export const CHANGE_BUS = Symbol('CHANGE_BUS');
