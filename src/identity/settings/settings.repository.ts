import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../../database/prisma.service';
import type { Tx } from '../../database/transactions';
import { Realm } from '../../generated/prisma/client';

export interface InstanceSettingsRecord {
  instanceId: string;
  gitlabRealm: Realm;
  hostName: string;
  disabledDirectCodeSuggestions: boolean;
  aiGatewayUrl: string | null;
  updatedAt: Date;
}

const fields = {
  instanceId: true,
  gitlabRealm: true,
  hostName: true,
  disabledDirectCodeSuggestions: true,
  aiGatewayUrl: true,
  updatedAt: true,
} as const;

@Injectable()
export class SettingsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The single settings row, created with a fresh instance id on first use. */
  getOrCreate(defaults: { hostName: string }): Promise<InstanceSettingsRecord> {
    return this.prisma.instanceSettings.upsert({
      where: { id: 1 },
      create: { id: 1, instanceId: randomUUID(), hostName: defaults.hostName },
      update: {},
      select: fields,
    });
  }

  update(
    data: Partial<Omit<InstanceSettingsRecord, 'instanceId' | 'updatedAt'>>,
    tx?: Tx,
  ): Promise<InstanceSettingsRecord> {
    return (tx ?? this.prisma).instanceSettings.update({ where: { id: 1 }, data, select: fields });
  }
}
