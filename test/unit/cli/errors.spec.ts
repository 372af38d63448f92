import { freePort } from '../../../src/common/net/free-port';
import { runCli } from '../../../src/cli/run-cli';

/** Issue #26: the CLI's errors say what is wrong (token, URL, command), not just "HTTP 401". */
const cli = async (env: Record<string, string | undefined>, ...argv: string[]) => {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
};

describe('CLI errors', () => {
  it('an unknown subcommand is called unknown, with the commands it could be (exit 2)', async () => {
    const r = await cli({ SWITCHBOARD_TOKEN: 't' }, 'seat', 'frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: unknown command 'seat frobnicate'\n/);
    expect(r.err).toContain('usage: npm run cli -- seat assign');
    const top = await cli({ SWITCHBOARD_TOKEN: 't' }, 'frobnicate');
    expect(top.err).toMatch(/^error: unknown command 'frobnicate'\n/);
    expect(top.err).toContain('commands:');
  });

  it('no token names SWITCHBOARD_TOKEN before any request', async () => {
    const r = await cli({ SWITCHBOARD_URL: 'http://127.0.0.1:9' }, 'user', 'list');
    expect(r.code).toBe(2);
    expect(r.err).toContain('SWITCHBOARD_TOKEN');
  });

  it('an unreachable server names the URL and the reason, not "fetch failed"', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const r = await cli({ SWITCHBOARD_URL: url, SWITCHBOARD_TOKEN: 't' }, 'user', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach Switchboard at ${url} (ECONNREFUSED)`);
    expect(r.err).toContain('SWITCHBOARD_URL');
  });
});
