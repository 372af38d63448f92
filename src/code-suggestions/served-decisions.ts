import { Injectable } from '@nestjs/common';
import { rootLogger } from '../common/logging/logger';
import type { FlagSubject } from '../flags/flag-context';
import type { RoutingDecision } from '../routing/routing.types';

/** `direct`: the decision in a direct_access token; `indirect`: a completion we proxied. */
export type ServedPath = 'direct' | 'indirect';

export interface ServedDecision {
  readonly userId: number;
  readonly path: ServedPath;
  readonly decision: RoutingDecision;
  /** Who the flags were asked for (a listener may ask which gate matched). */
  readonly subject: FlagSubject;
}

export type ServedListener = (served: ServedDecision) => void;

/**
 * Tells listeners (acceptance) which decision served a user, on the typing path: a listener must
 * be synchronous, cheap and in memory. A listener that throws is logged, never the request's
 * problem.
 */
@Injectable()
export class ServedDecisions {
  private readonly listeners: ServedListener[] = [];

  listen(listener: ServedListener): void {
    this.listeners.push(listener);
  }

  served(served: ServedDecision): void {
    for (const l of this.listeners) {
      try {
        l(served);
      } catch (err) {
        rootLogger.error({ err }, 'served-decision listener failed');
      }
    }
  }
}
