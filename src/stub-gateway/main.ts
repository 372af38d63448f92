import pino from 'pino';
import { z } from 'zod';
import { startStubGateway } from './stub-gateway';

/**
 * CLI: `node dist/src/stub-gateway/main.js`. A separate program from Switchboard, so it has its
 * own small validated config (a bad value exits 1 with a message naming the variable):
 * STUB_GATEWAY_PORT (5052), STUB_GATEWAY_HOST (127.0.0.1), STUB_GATEWAY_TRUSTED_ISSUERS
 * (comma list, http://127.0.0.1:8080), STUB_GATEWAY_VERIFY_TOKENS (true),
 * STUB_GATEWAY_STREAM_DELAY_MS (5), STUB_GATEWAY_ADMIN_ANY_HOST (false),
 * STUB_GATEWAY_VALIDATION_DETAIL (verbose | terse), STUB_GATEWAY_REGION (us-east1), LOG_LEVEL (info).
 * STUB_GATEWAY_MODELS_FILE is refused: the twin accepts the models the pinned gateway accepts,
 * which no configuration can extend (move the pin with `npm run aigw:derive` instead).
 */
const digits = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const stubEnvSchema = z.object({
  STUB_GATEWAY_PORT: digits(0, 65535).default(5052),
  STUB_GATEWAY_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  STUB_GATEWAY_TRUSTED_ISSUERS: z
    .string()
    .default('http://127.0.0.1:8080')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url()).min(1, 'must name at least one issuer URL')),
  STUB_GATEWAY_VERIFY_TOKENS: flag.default(true),
  STUB_GATEWAY_STREAM_DELAY_MS: digits(0, 60_000).optional(),
  STUB_GATEWAY_ADMIN_ANY_HOST: flag.default(false),
  STUB_GATEWAY_MODELS_FILE: z
    .undefined({
      error:
        'is no longer supported: the twin accepts exactly the models of the pinned gateway ' +
        '(config/aigw/contract.json), as the real one does; unset it',
    })
    .optional(),
  STUB_GATEWAY_VALIDATION_DETAIL: z.enum(['verbose', 'terse']).default('verbose'),
  STUB_GATEWAY_REGION: z.string().min(1, 'must not be empty').default('us-east1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

class StubConfigError extends Error {}

function loadStubConfig(env: NodeJS.ProcessEnv): z.output<typeof stubEnvSchema> {
  const parsed = stubEnvSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  throw new StubConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
}

async function main(): Promise<void> {
  const env = loadStubConfig(process.env);
  const logger = pino({ level: env.LOG_LEVEL, base: { service: 'stub-gateway' } });
  const issuers = env.STUB_GATEWAY_TRUSTED_ISSUERS;
  const gateway = await startStubGateway({
    host: env.STUB_GATEWAY_HOST,
    port: env.STUB_GATEWAY_PORT,
    trustedIssuers: () => issuers,
    verifyTokens: env.STUB_GATEWAY_VERIFY_TOKENS,
    streamChunkDelayMs: env.STUB_GATEWAY_STREAM_DELAY_MS,
    adminLoopbackOnly: !env.STUB_GATEWAY_ADMIN_ANY_HOST,
    validationDetail: env.STUB_GATEWAY_VALIDATION_DETAIL,
    region: env.STUB_GATEWAY_REGION,
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
  if (err instanceof StubConfigError) {
    process.stderr.write(`stub gateway: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`stub gateway failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
