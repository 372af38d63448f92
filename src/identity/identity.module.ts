import { Global, Module } from '@nestjs/common';
import { TOKEN_AUTHENTICATOR } from '../common/auth/principal';
import { DeletionService } from './deletion/deletion.service';
import { FlagReferences } from './deletion/flag-references';
import { GroupAdminController } from './groups/group-admin.controller';
import { GroupsController } from './groups/groups.controller';
import { GroupsRepository } from './groups/groups.repository';
import { GroupsService } from './groups/groups.service';
import { ProjectAdminController } from './projects/project-admin.controller';
import { ProjectsController } from './projects/projects.controller';
import { ProjectsRepository } from './projects/projects.repository';
import { ProjectsService } from './projects/projects.service';
import { SeatsController } from './seats/seats.controller';
import { SeatsRepository } from './seats/seats.repository';
import { SeatsService } from './seats/seats.service';
import { SettingsController } from './settings/settings.controller';
import { SettingsRepository } from './settings/settings.repository';
import { SettingsService } from './settings/settings.service';
import { TokenRotationController } from './tokens/token-rotation.controller';
import { TokensController } from './tokens/tokens.controller';
import { TokensRepository } from './tokens/tokens.repository';
import { TokensService } from './tokens/tokens.service';
import { UserAdminController } from './users/user-admin.controller';
import { UsersController } from './users/users.controller';
import { UsersRepository } from './users/users.repository';
import { UsersService } from './users/users.service';
import { VersionController } from './version.controller';

/** Users, tokens, groups, projects, seats and instance settings: who may ask, and for whom. */
@Global()
@Module({
  controllers: [
    UsersController,
    UserAdminController,
    TokensController,
    TokenRotationController,
    GroupsController,
    GroupAdminController,
    ProjectsController,
    ProjectAdminController,
    SeatsController,
    SettingsController,
    VersionController,
  ],
  providers: [
    UsersRepository,
    UsersService,
    TokensRepository,
    TokensService,
    { provide: TOKEN_AUTHENTICATOR, useExisting: TokensService },
    GroupsRepository,
    GroupsService,
    ProjectsRepository,
    ProjectsService,
    SeatsRepository,
    SeatsService,
    SettingsRepository,
    SettingsService,
    FlagReferences,
    DeletionService,
  ],
  exports: [
    UsersService,
    TokensService,
    TOKEN_AUTHENTICATOR,
    GroupsService,
    GroupsRepository,
    ProjectsService,
    SeatsService,
    SettingsService,
  ],
})
export class IdentityModule {}
