import pino from 'pino';
import { startStubGateway } from './stub-gateway';

/**
 * CLI: `node dist/src/stub-gateway/main.js`.
 * Env: STUB_GATEWAY_PORT (5052), STUB_GATEWAY_HOST (127.0.0.1), STUB_GATEWAY_TRUSTED_ISSUERS
 * (comma list, http://127.0.0.1:8080), STUB_GATEWAY_VERIFY_TOKENS (true),
 * STUB_GATEWAY_STREAM_DELAY_MS (5), STUB_GATEWAY_ADMIN_ANY_HOST (false), LOG_LEVEL (info).
 */
async function main(): Promise<void> {
  const env = process.env;
  const logger = pino({ level: env.LOG_LEVEL ?? 'info', base: { service: 'stub-gateway' } });
  const issuers = (env.STUB_GATEWAY_TRUSTED_ISSUERS ?? 'http://127.0.0.1:8080')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const port = Number(env.STUB_GATEWAY_PORT ?? 5052);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`STUB_GATEWAY_PORT is not a valid port: ${env.STUB_GATEWAY_PORT}`);
  }
  const delay = env.STUB_GATEWAY_STREAM_DELAY_MS;
  const gateway = await startStubGateway({
    host: env.STUB_GATEWAY_HOST ?? '127.0.0.1',
    port,
    trustedIssuers: () => issuers,
    verifyTokens: env.STUB_GATEWAY_VERIFY_TOKENS !== 'false',
    streamChunkDelayMs: delay === undefined ? undefined : Number(delay),
    adminLoopbackOnly: env.STUB_GATEWAY_ADMIN_ANY_HOST !== 'true',
    logger,
  });
  logger.info({ url: gateway.url, trustedIssuers: issuers }, 'stub AI gateway listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stub AI gateway shutting down');
    gateway
      .close()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'stub AI gateway: close failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`stub gateway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
