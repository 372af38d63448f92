import { DynamicModule, Global, Module } from '@nestjs/common';
import type { DatabaseConnection } from './database-connection';
import { DatabaseGuard } from './database-guard';
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
      ],
      exports: [PrismaService, DATABASE_CONNECTION, Transactions, DatabaseGuard],
    };
  }
}
