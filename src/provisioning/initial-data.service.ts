import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { rootLogger } from '../common/logging/logger';
import { PrismaService } from '../database/prisma.service';
import { newTokenSecret } from '../identity/tokens/token-secret';
import { InitialDataRepository } from './initial-data.repository';

const todayUtc = () => new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00.000Z');

/**
 * First start on an empty database:
 * - INITIAL_ROOT_TOKEN set: admin `root` whose token secret is that value (scope api);
 * - else, on a brand-new embedded database only (never DATABASE_URL): demo data, tokens printed once.
 * Each is one transaction (see InitialDataRepository): all of it is written, or none.
 */
@Injectable()
export class InitialDataService implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly initial: InitialDataRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.initialRootToken) {
      if (await this.initial.createRoot(this.config.initialRootToken)) {
        rootLogger.info({ username: 'root' }, 'created admin root from INITIAL_ROOT_TOKEN');
      }
      return;
    }
    if (
      this.config.database.embedded &&
      this.prisma.freshEmbedded &&
      this.config.demoData === 'auto'
    ) {
      await this.createDemoData();
    }
  }

  async createDemoData(): Promise<void> {
    const secrets = { adminSecret: newTokenSecret(), userSecret: newTokenSecret() };
    if (!(await this.initial.createDemo(secrets, todayUtc()))) return;
    const admin = { secret: secrets.adminSecret };
    const user = { secret: secrets.userSecret };

    // Printed to the terminal once, on purpose, and never through the logger (logs redact tokens).
    const line = '='.repeat(78);
    process.stdout.write(
      [
        '',
        line,
        ' DEMO DATA (embedded database, first start only). These tokens are shown once.',
        ` admin  root  token: ${admin.secret}`,
        ` user   demo  token: ${user.secret}   (Duo Pro seat in group demo-group)`,
        ` project: demo-group/demo-project`,
        ` try: curl -s -H "PRIVATE-TOKEN: ${user.secret}" ${this.config.http.publicUrl}/api/v4/user`,
        line,
        '',
      ].join('\n') + '\n',
    );
  }
}
