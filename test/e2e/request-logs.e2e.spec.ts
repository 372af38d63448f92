import { PRIMARY } from '../support/failover-helpers';
import { LogCapture } from '../support/hostile/corpus';
import { completionBody, startStack, Stack } from '../support/stack';
import { waitUntil } from '../support/wait';

jest.setTimeout(60_000);

interface Line {
  msg: string;
  level: string;
  reqId?: string;
}

/**
 * Logs that follow a request (issue #22): every line written while a request is handled carries
 * its `reqId`, also the lines written deep inside it, after undici's callbacks and from timers:
 * the resilience layer's retry after a dropped connection, the streaming guard's silent-stream
 * cut. Every line of the app is captured at LOG_LEVEL=info.
 */
describe('request ids on every log line of a request', () => {
  let s: Stack;
  const logs = new LogCapture();
  const parsed = (from: number): Line[] => logs.lines.slice(from).map((l) => JSON.parse(l) as Line);

  beforeAll(async () => {
    s = await startStack({
      logDestination: logs,
      // The stream-silence guard waits the gateway timeout: keep the stalled test short.
      env: { LOG_LEVEL: 'info', GATEWAY_TIMEOUT_MS: '1500' },
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  afterEach(() => s.stub.faults.clear());

  /**
   * No line without an id was written meanwhile, and a line of another request can only be that
   * request's own line: the twin gateway fetching our keys to check the token it was sent.
   */
  const expectEveryLineOfARequest = (lines: Line[], ids: string[]) => {
    expect(lines.filter((l) => l.reqId === undefined)).toEqual([]);
    const others = lines.filter((l) => !ids.includes(l.reqId!));
    expect(others.filter((l) => l.msg !== 'request completed')).toEqual([]);
  };

  /** Sends the completions, then waits for each one's request line: its handling is over. */
  async function complete(token: string, ids: string[], over: Record<string, unknown> = {}) {
    const from = logs.lines.length;
    const answers = await Promise.all(
      ids.map(async (id) => {
        const r = await fetch(`${s.app.url}/api/v4/code_suggestions/completions`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-request-id': id,
          },
          body: JSON.stringify(completionBody(over)),
        });
        return { status: r.status, id: r.headers.get('x-request-id'), text: await r.text() };
      }),
    );
    await waitUntil(
      () =>
        ids.every((id) =>
          parsed(from).some((l) => l.msg === 'request completed' && l.reqId === id),
        ),
      'the request line of every completion',
    );
    return { answers, lines: parsed(from) };
  }

  it('boot lines carry no request id', () => {
    const listening = parsed(0).find((l) => l.msg === 'switchboard listening');
    expect(listening).toBeDefined();
    expect(listening).not.toHaveProperty('reqId');
  });

  it('two concurrent completions whose gateway drops the connection: each retry line names its own request', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.faults.add({ closeConnection: true, ...PRIMARY });
    const ids = ['logs-a-1', 'logs-b-2'];
    const { answers, lines } = await complete(user.token, ids);

    expect(answers.map((a) => a.id)).toEqual(ids);
    for (const id of ids) {
      const mine = lines.filter((l) => l.reqId === id).map((l) => l.msg);
      expect(mine).toContain('retrying gateway call once after a connection error');
      expect(mine).toContain('code completion input:');
      expect(mine).toContain('request completed');
    }
    expectEveryLineOfARequest(lines, ids);
  });

  it('a stream the gateway stalls: the guard cuts it from a timer, and its warning names the request', async () => {
    const { user } = await s.f.seatedUser();
    s.stub.faults.add({ stallAfterChunks: 1, ...PRIMARY });
    const { answers, lines } = await complete(user.token, ['logs-stall-3'], { stream: true });

    expect(answers[0].status).toBe(200);
    expect(lines.find((l) => l.msg.startsWith('AI Gateway stream went silent'))).toMatchObject({
      level: 'warn',
      reqId: 'logs-stall-3',
    });
    expectEveryLineOfARequest(lines, ['logs-stall-3']);
  });
});
