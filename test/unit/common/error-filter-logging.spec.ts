import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../../src/common/errors/domain-error';
import { DomainErrorFilter } from '../../../src/common/errors/domain-error.filter';
import { createLogger, runWithLogger } from '../../../src/common/logging/logger';
import { LogCapture } from '../../support/hostile/corpus';

/** Issue #26: a 5xx answered from a domain error (e.g. Unleash refusing a write) is logged with its cause. */
describe('DomainErrorFilter logs every 5xx it answers', () => {
  const request = { id: 'req-1', method: 'POST', url: '/api/v4/features/x?private_token=s3cr3t' };
  const send = (err: unknown) => {
    const sent: { status?: number; body?: unknown } = {};
    const reply = {
      sent: false,
      raw: { headersSent: false },
      header: () => reply,
      status: (s: number) => ((sent.status = s), reply),
      send: (b: unknown) => ((sent.body = b), reply),
    };
    new DomainErrorFilter().respond(
      err,
      request as unknown as FastifyRequest,
      reply as unknown as FastifyReply,
    );
    return sent;
  };
  // The filter logs through rootLogger, which writes to the logger bound to the async context.
  let logs: LogCapture;
  const answer = (err: unknown) => {
    logs = new LogCapture();
    return runWithLogger(createLogger('info', logs), () => send(err));
  };
  const warnLines = () =>
    logs.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.level === 'warn');

  it('a 503 with a cause: one warn line naming status, message and cause, the query secret masked', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4242'), {
      code: 'ECONNREFUSED',
    });
    const sent = answer(
      new DomainError('service_unavailable', 'Unleash is unavailable', { cause }),
    );
    expect(sent.status).toBe(503);
    const lines = warnLines();
    expect(lines).toHaveLength(1);
    const [fields] = lines;
    expect(fields.msg).toBe('answered 503: Unleash is unavailable');
    expect(fields).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      cause: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4242',
      reqId: 'req-1',
    });
    expect(JSON.stringify(fields)).not.toContain('s3cr3t');
  });

  it('a 503 whose owner logs it as state changes (the database away) leaves no line per request', () => {
    const sent = answer(
      new DomainError('service_unavailable', 'The database is temporarily unavailable', {
        loggedAsStateChange: true,
      }),
    );
    expect(sent.status).toBe(503);
    expect(warnLines()).toEqual([]);
  });

  it('a 4xx is not logged as a server-side failure', () => {
    expect(answer(DomainError.invalid('value', 'is wrong')).status).toBe(400);
    expect(warnLines()).toEqual([]);
  });
});
