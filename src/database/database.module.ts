import { DynamicModule, Global, Module } from '@nestjs/common';
import { ERROR_TRANSLATOR } from '../common/errors/domain-error.filter';
import type { DatabaseConnection } from './database-connection';
import { DatabaseGuard } from './database-guard';
import { clientErrorFromDatabase } from './prisma-errors';
import { DATABASE_CONNECTION } from './database.tokens';
import { PrismaService } from './prisma.service';
import { Transactions } from './transactions';

@Global()
@Module({})
export class DatabaseModule {
  static forConnection(connection: DatabaseConnection): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE_CONNECTION, useValue: connection },
        PrismaService,
        Transactions,
        DatabaseGuard,
        { provide: ERROR_TRANSLATOR, useValue: clientErrorFromDatabase },
      ],
      exports: [PrismaService, DATABASE_CONNECTION, Transactions, DatabaseGuard, ERROR_TRANSLATOR],
    };
  }
}
