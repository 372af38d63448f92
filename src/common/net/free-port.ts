import { createServer, type AddressInfo } from 'node:net';

/** A TCP port free on `host` right now (bound to port 0, read back, released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** PORT is taken: said in one line naming PORT, before anything is created or printed. */
export class PortInUseError extends Error {
  constructor(host: string, port: number) {
    super(
      `PORT ${port} on ${host} is already in use (another Switchboard running?): stop it, or set PORT to a free port`,
    );
    this.name = 'PortInUseError';
  }
}

/**
 * Fails with PortInUseError when `port` cannot be bound on `host` now. Checked at boot before
 * the database is opened, so a second instance on a busy port creates no demo data and prints
 * no tokens; the real bind later maps the same error (a port taken in between) the same way.
 */
export function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port) : err),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}
