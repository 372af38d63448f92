import Fastify from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { installShutdownLog } from '../../../src/common/http/shutdown-log';

describe('installShutdownLog: SIGTERM says it is shutting down and what it drained', () => {
  it('logs the in-flight count at the signal and the drained count once the server closed', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        cb();
      },
    });
    const fastify = Fastify();
    const started = installShutdownLog(fastify, pino({}, sink), 5000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    fastify.get('/slow', async () => {
      entered();
      await gate;
      return { ok: true };
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const { port } = fastify.server.address() as { port: number };
    const answer = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.status);
    await inside;

    started('SIGTERM');
    const closed = fastify.close();
    release();
    expect(await answer).toBe(200);
    await closed;

    expect(lines[0]).toMatchObject({ signal: 'SIGTERM', inFlight: 1, graceMs: 5000 });
    expect(lines[0].msg).toMatch(/^shutdown: /);
    expect(lines[1]).toMatchObject({ drained: 1, stillOpen: 0, msg: 'shutdown: server closed' });
  });
});
