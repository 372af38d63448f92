import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import type { Tx } from '../database/transactions';
import type { GroupSelection, SelectableFeature, StoredSelection } from './model-selection.types';

const selectionFields = {
  feature: true,
  offeredModelRef: true,
  offeredModelName: true,
  updatedAt: true,
} as const;

type Row = {
  feature: SelectableFeature;
  offeredModelRef: string | null;
  offeredModelName: string | null;
  updatedAt: Date;
};

const toSelection = (r: Row): StoredSelection => ({
  feature: r.feature,
  ref: r.offeredModelRef,
  name: r.offeredModelName,
  updatedAt: r.updatedAt,
});

export interface SelectionWrite {
  feature: SelectableFeature;
  ref: string | null;
  name: string | null;
}

@Injectable()
export class ModelSelectionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Every group's and the instance's choices: a few rows per top-level group, read whole. */
  async loadAll(): Promise<{ groups: GroupSelection[]; instance: StoredSelection[] }> {
    const [groups, instance] = await Promise.all([
      this.prisma.namespaceFeatureSetting.findMany({
        select: { ...selectionFields, groupId: true },
        orderBy: [{ groupId: 'asc' }, { feature: 'asc' }],
      }),
      this.prisma.instanceFeatureSetting.findMany({
        select: selectionFields,
        orderBy: { feature: 'asc' },
      }),
    ]);
    return {
      groups: groups.map((r) => ({ ...toSelection(r), groupId: r.groupId })),
      instance: instance.map(toSelection),
    };
  }

  async saveGroup(groupId: number, w: SelectionWrite, tx: Tx): Promise<StoredSelection> {
    const data = { offeredModelRef: w.ref, offeredModelName: w.name };
    const row = await tx.namespaceFeatureSetting.upsert({
      where: { groupId_feature: { groupId, feature: w.feature } },
      create: { groupId, feature: w.feature, ...data },
      update: data,
      select: selectionFields,
    });
    return toSelection(row);
  }

  async saveInstance(w: SelectionWrite, tx: Tx): Promise<StoredSelection> {
    const data = { offeredModelRef: w.ref, offeredModelName: w.name };
    const row = await tx.instanceFeatureSetting.upsert({
      where: { feature: w.feature },
      create: { feature: w.feature, ...data },
      update: data,
      select: selectionFields,
    });
    return toSelection(row);
  }

  /** GitLab access level of the user's direct membership of the group (50 = owner), or null. */
  async accessLevel(groupId: number, userId: number): Promise<number | null> {
    const m = await this.prisma.groupMember.findUnique({
      where: { groupId_userId: { groupId, userId } },
      select: { accessLevel: true },
    });
    return m?.accessLevel ?? null;
  }

  async defaultNamespaceId(userId: number): Promise<number | null> {
    const p = await this.prisma.userPreference.findUnique({
      where: { userId },
      select: { duoDefaultNamespaceId: true },
    });
    return p?.duoDefaultNamespaceId ?? null;
  }

  async saveDefaultNamespace(userId: number, groupId: number | null, tx: Tx): Promise<void> {
    await tx.userPreference.upsert({
      where: { userId },
      create: { userId, duoDefaultNamespaceId: groupId },
      update: { duoDefaultNamespaceId: groupId },
    });
  }
}
