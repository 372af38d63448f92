import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import { PrismaClient } from '../generated/prisma/client';
import { projectRoot } from '../common/project-root';
import { rootLogger } from '../common/logging/logger';
import { DATABASE_CONNECTION } from './database.tokens';
import type { DatabaseConnection } from './database-connection';
import { applyMigrations } from './migration-runner';

export const MIGRATIONS_DIR = path.join(projectRoot(), 'prisma', 'migrations');

/**
 * The Prisma client on whichever backend the connection holds. Fails fast: migrations and a
 * first query run before the app listens; the connection is closed on shutdown.
 */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(DATABASE_CONNECTION) private readonly connection: DatabaseConnection) {
    super({ adapter: connection.adapter });
  }

  get backend(): DatabaseConnection['kind'] {
    return this.connection.kind;
  }

  get freshEmbedded(): boolean {
    return this.connection.freshEmbedded;
  }

  async onModuleInit(): Promise<void> {
    await applyMigrations(this.connection.sql, MIGRATIONS_DIR, (msg: string, extra?: object) =>
      rootLogger.info({ ...extra, backend: this.connection.kind }, msg),
    );
    await this.$connect();
  }

  /** Readiness probe: one round trip with a deadline. */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database ping timed out')), timeoutMs);
    });
    try {
      await Promise.race([this.connection.sql.query('SELECT 1'), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}
