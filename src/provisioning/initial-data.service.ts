import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { rootLogger } from '../common/logging/logger';
import { PrismaService } from '../database/prisma.service';
import { GroupsService } from '../identity/groups/groups.service';
import { ProjectsService } from '../identity/projects/projects.service';
import { SeatsService } from '../identity/seats/seats.service';
import { TokensService } from '../identity/tokens/tokens.service';
import { SYSTEM_ACTOR, UsersService } from '../identity/users/users.service';

/**
 * First start on an empty database:
 * - INITIAL_ROOT_TOKEN set: admin `root` whose token secret is that value (scope api);
 * - else, on a brand-new embedded database only (never DATABASE_URL): demo data, tokens printed once.
 */
@Injectable()
export class InitialDataService implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly groups: GroupsService,
    private readonly projects: ProjectsService,
    private readonly seats: SeatsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    if (this.config.initialRootToken) {
      const root = await this.users.create(
        { username: 'root', name: 'Administrator', admin: true },
        SYSTEM_ACTOR,
      );
      await this.tokens.create(
        root.id,
        { name: 'initial-root-token', scopes: ['api'], expiresAt: null },
        SYSTEM_ACTOR,
        this.config.initialRootToken,
      );
      rootLogger.info({ username: 'root' }, 'created admin root from INITIAL_ROOT_TOKEN');
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

  private async createDemoData(): Promise<void> {
    const actor = SYSTEM_ACTOR;
    const root = await this.users.create(
      { username: 'root', name: 'Demo Administrator', admin: true },
      actor,
    );
    const admin = await this.tokens.create(
      root.id,
      { name: 'demo-admin', scopes: ['api'], expiresAt: null },
      actor,
    );
    const demo = await this.users.create({ username: 'demo', name: 'Demo Developer' }, actor);
    const user = await this.tokens.create(
      demo.id,
      { name: 'demo-ide', scopes: ['api', 'ai_features'], expiresAt: null },
      actor,
    );
    const group = await this.groups.create({ name: 'Demo Group', path: 'demo-group' }, actor);
    await this.groups.addMember(group.id, demo.id, 30, actor);
    await this.projects.create(
      { name: 'Demo Project', path: 'demo-project', namespaceId: group.id },
      actor,
    );
    const purchase = await this.seats.createPurchase(
      group.id,
      { addOn: 'duo_pro', quantity: 10 },
      actor,
    );
    await this.seats.assign(group.id, purchase.id, demo.id, actor);

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
