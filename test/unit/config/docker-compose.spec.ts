import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';

interface Service {
  environment?: Record<string, string>;
  healthcheck?: { test: string[] | string };
  ports?: string[];
}

/**
 * docker-compose.yml can't run here (no Docker), so this reads it: every service has a health
 * check, and it probes the port the service listens on (the stub gateway once inherited the app
 * image's check on :8080, which it does not serve).
 */
describe('docker-compose.yml health checks', () => {
  const file = path.join(__dirname, '../../../docker-compose.yml');
  const services = (load(fs.readFileSync(file, 'utf8')) as { services: Record<string, Service> })
    .services;
  const listensOn: Record<string, string | undefined> = {
    postgres: undefined, // pg_isready: the default socket
    redis: undefined, // redis-cli ping: the default port
    unleash: '4242',
    'stub-gateway': services['stub-gateway']?.environment?.STUB_GATEWAY_PORT,
    app: services.app?.environment?.PORT,
    lb: '8080', // docker/haproxy.cfg binds :8080
  };
  const probeWithoutPort: Record<string, string> = { postgres: 'pg_isready', redis: 'redis-cli' };

  it.each(Object.keys(listensOn))('%s has a health check on its own port', (name) => {
    const check = services[name]?.healthcheck;
    expect(check).toBeDefined();
    const text = ([] as string[]).concat(check!.test).join(' ');
    const port = listensOn[name];
    if (port === undefined) expect(text).toContain(probeWithoutPort[name]);
    else expect(text).toContain(`127.0.0.1:${port}/`);
    const published = services[name]?.ports?.[0];
    if (port && published) expect(published.endsWith(`:${port}`)).toBe(true);
  });

  it('lists exactly the services checked here', () => {
    expect(Object.keys(services).sort()).toEqual(Object.keys(listensOn).sort());
  });
});
