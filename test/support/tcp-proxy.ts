import * as net from 'node:net';

/** A loopback TCP proxy a test can cut and restore, to make a database "go away". */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Drop every connection and refuse new ones. */
  goAway(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  comeBack(): void {
    this.cut = false;
  }

  async stop(): Promise<void> {
    this.goAway();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
