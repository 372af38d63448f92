/**
 * HAProxy (Debian package) in front of the instances: round robin, health checks on
 * /-/readiness every 200 ms, a server out after 2 failed checks. Only connection failures are
 * retried on another server (HAProxy's default), so no request is ever sent twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Child, waitFor } from './processes';

export class HaProxy {
  private constructor(
    readonly port: number,
    private readonly child: Child,
    private readonly dir: string,
  ) {}

  static async start(port: number, backends: number[]): Promise<HaProxy> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-haproxy-'));
    const cfg = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(
      cfg,
      [
        'global',
        '  maxconn 2000',
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 60s',
        '  timeout server 60s',
        '  option redispatch',
        '  retries 3',
        'frontend switchboard',
        `  bind 127.0.0.1:${port}`,
        '  default_backend instances',
        'backend instances',
        '  balance roundrobin',
        '  option httpchk GET /-/readiness',
        '  http-check expect status 200',
        '  default-server inter 200ms fall 2 rise 2',
        ...backends.map((p, i) => `  server i${i} 127.0.0.1:${p} check`),
        '',
      ].join('\n'),
    );
    const child = new Child(
      fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy',
      ['-f', cfg, '-db'],
      {},
    );
    const proxy = new HaProxy(port, child, dir);
    await waitFor(
      'haproxy',
      async () => ((await fetch(`${proxy.url}/-/liveness`)).ok ? true : undefined),
      20_000,
      100,
    );
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.child.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
