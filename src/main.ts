import { bootstrap } from './bootstrap';
import { ConfigError } from './config/app-config';

bootstrap({ handleSignals: true }).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`switchboard: ${err.message}\n`);
  } else {
    process.stderr.write(`switchboard failed to start: ${(err as Error).stack ?? String(err)}\n`);
  }
  process.exit(1);
});
