import type { FlagOracle, RoutingContext } from './routing.types';

/** Asks the oracle and keeps every answer for `decidingFlags`. */
export class FlagRecorder {
  readonly answers: Record<string, boolean> = {};
  private readonly userAnswers = new Map<string, boolean>();

  constructor(private readonly oracle: FlagOracle) {}

  user(flag: string): boolean {
    let on = this.userAnswers.get(flag);
    if (on === undefined) {
      on = this.oracle.forUser(flag);
      this.userAnswers.set(flag, on);
      this.answers[flag] = on;
    }
    return on;
  }

  instance(flag: string): boolean {
    const on = this.oracle.forInstance(flag);
    this.answers[flag] = on;
    return on;
  }

  /** The first seat group for which the flag is on; the recorded answer is "on for any group". */
  firstGroup(flag: string, groups: RoutingContext['seatGroups']): number | undefined {
    for (const g of groups) {
      if (this.oracle.forGroup(flag, g.id)) {
        this.answers[flag] = true;
        return g.id;
      }
    }
    this.answers[flag] = false;
    return undefined;
  }
}
