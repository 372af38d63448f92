import { DomainError } from '../../../src/common/errors/domain-error';
import { UpstreamFailure, type UpstreamResponse } from '../../../src/gateway/gateway.types';
import {
  attemptOutcomeLabel,
  completionOutcomeLabel,
} from '../../../src/code-suggestions/completion-metrics';

const answer = (status: number): UpstreamResponse => ({
  kind: 'json',
  status,
  headers: {},
  body: {},
  upstreamMs: 1,
});

describe('metric outcome labels', () => {
  it('an attempt is its status class, or the reason it got no answer', () => {
    expect(attemptOutcomeLabel({ response: answer(200), retried: false }, undefined)).toBe('2xx');
    expect(attemptOutcomeLabel({ response: answer(429), retried: false }, undefined)).toBe('4xx');
    expect(
      attemptOutcomeLabel(
        { failure: { reason: 'upstream_status', response: answer(503) }, retried: false },
        undefined,
      ),
    ).toBe('5xx');
    expect(
      attemptOutcomeLabel({ failure: { reason: 'circuit_open' }, retried: false }, undefined),
    ).toBe('circuit_open');
    const timeout = new UpstreamFailure('timeout', 'gateway timed out');
    expect(
      attemptOutcomeLabel(
        { failure: { reason: 'timeout', error: timeout }, retried: false },
        undefined,
      ),
    ).toBe('timeout');
    const gone = new DomainError('client_closed_request', 'client closed the request');
    expect(attemptOutcomeLabel(undefined, gone)).toBe('cancelled');
    expect(attemptOutcomeLabel(undefined, new Error('bug'))).toBe('internal');
  });

  it('a completion is answered, failed over, the passed-through error class, or what we threw', () => {
    expect(completionOutcomeLabel(answer(200), undefined, false)).toBe('answered');
    expect(completionOutcomeLabel(answer(200), undefined, true)).toBe('failed_over');
    expect(completionOutcomeLabel(answer(422), undefined, false)).toBe('upstream_4xx');
    expect(completionOutcomeLabel(answer(500), undefined, true)).toBe('upstream_5xx');
    expect(completionOutcomeLabel(undefined, new UpstreamFailure('connect', 'refused'), true)).toBe(
      'connect',
    );
    const open = new DomainError('upstream_unavailable', 'circuit open');
    expect(completionOutcomeLabel(undefined, open, false)).toBe('circuit_open');
  });
});
