import * as net from 'node:net';

/**
 * A loopback TCP proxy a test can cut and restore, to make a database "go away": `goAway()`
 * refuses (connections reset, new ones closed at once), `hang()` stops forwarding without
 * closing anything (what a SIGSTOPped or black-holed server looks like: no error, no answer).
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Clients accepted while hung, connected upstream when the proxy comes back. */
  private readonly held: net.Socket[] = [];
  private cut = false;
  private hung = false;
  private resetting = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = net.createServer((client) => {
      if (this.resetting) return client.resetAndDestroy();
      if (this.cut) return client.destroy();
      client.on('error', () => undefined);
      if (this.hung) {
        client.pause();
        this.held.push(client);
        return;
      }
      this.forward(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private forward(client: net.Socket): void {
    const upstream = net.connect(this.targetPort, this.targetHost);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.resume();
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  /** Drop every connection and refuse new ones. */
  goAway(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  /**
   * Reset every connection (TCP RST) and new ones as they arrive: the client sees ECONNRESET,
   * which the driver adapter reports as its own error kind (ConnectionClosed), not as the
   * "Connection terminated" message a plain close gives.
   */
  reset(): void {
    this.resetting = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  /** Keep every connection open but forward nothing, either way, until comeBack(). */
  hang(): void {
    this.hung = true;
    for (const s of this.sockets) s.pause();
  }

  comeBack(): void {
    this.cut = false;
    this.hung = false;
    this.resetting = false;
    for (const s of this.sockets) s.resume();
    for (const client of this.held.splice(0)) {
      if (!client.destroyed) this.forward(client);
    }
  }

  async stop(): Promise<void> {
    this.goAway();
    for (const client of this.held.splice(0)) client.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
