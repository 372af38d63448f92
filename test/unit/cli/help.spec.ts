import { adminCommands } from '../../../src/cli/admin-commands';
import { identityCommands } from '../../../src/cli/identity-commands';
import { USAGE } from '../../../src/cli/run-cli';
import { runCliCaptured } from '../../support/cli';

/** Help and usage errors never reach the network: no server is needed (the URL is unroutable). */
const cli = (...argv: string[]) =>
  runCliCaptured(argv, { SWITCHBOARD_URL: 'http://127.0.0.1:9', SWITCHBOARD_TOKEN: 'unused' });

describe('CLI help', () => {
  it('`seat assign --help` explains its arguments, not the global usage', async () => {
    const r = await cli('seat', 'assign', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: npm run cli -- seat assign GROUP_ID PURCHASE_ID --user=USER');
    expect(r.out).toContain('seat of the purchase PURCHASE_ID of group GROUP_ID');
    expect(r.out).not.toContain('commands:');
  });

  it('every command has its own help with a description line', async () => {
    for (const name of Object.keys({ ...identityCommands, ...adminCommands })) {
      const r = await cli(...name.split(' '), '--help');
      expect({ name, code: r.code }).toEqual({ name, code: 0 });
      const [first, second] = r.out.split('\n');
      expect(first.startsWith(`usage: npm run cli -- ${name}`)).toBe(true);
      expect(second.trim().length).toBeGreaterThan(10);
    }
  });

  it('`seat --help` lists the seat commands; `--help` alone the global usage, exit 0', async () => {
    const topic = await cli('seat', '--help');
    expect(topic.code).toBe(0);
    for (const name of ['seat purchase', 'seat assign', 'seat remove'])
      expect(topic.out).toContain(`usage: npm run cli -- ${name} `);
    const global = await cli('--help');
    expect(global).toMatchObject({ code: 0, out: USAGE + '\n' });
    expect(USAGE).toContain('seat assign --help');
  });

  it('a missing argument names it and prints that command’s usage (exit 2)', async () => {
    const r = await cli('seat', 'assign', '7', '--user=alice');
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: seat assign needs PURCHASE_ID');
    expect(r.err).toContain('usage: npm run cli -- seat assign GROUP_ID PURCHASE_ID');
    const unknown = await cli('frobnicate');
    expect(unknown).toMatchObject({ code: 2, out: '' });
    expect(unknown.err).toContain('commands:');
  });
});
