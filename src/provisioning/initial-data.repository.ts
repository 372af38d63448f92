import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';
import { isUniqueViolation } from '../database/prisma-errors';
import { tokenDigest } from '../identity/tokens/token-secret';

type Tx = Prisma.TransactionClient;

const SYSTEM = { actorId: null, actorName: 'system' } as const;

export interface DemoSecrets {
  adminSecret: string;
  userSecret: string;
}

/**
 * The first-start writes, each set in ONE transaction: a failure half-way (or a second
 * instance starting at the same moment) leaves the database empty rather than with a root but
 * no token, or demo users whose tokens were never printed. The rows match what the admin API
 * writes, audit events included.
 */
@Injectable()
export class InitialDataRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** false when another instance created the first user first (its transaction won). */
  async createRoot(secret: string): Promise<boolean> {
    return this.onlyOnEmpty(async (tx) => {
      const root = await this.user(tx, 'root', 'Administrator', true);
      await this.token(tx, root.id, 'initial-root-token', ['api'], secret);
    });
  }

  async createDemo(secrets: DemoSecrets, today: Date): Promise<boolean> {
    return this.onlyOnEmpty(async (tx) => {
      const root = await this.user(tx, 'root', 'Demo Administrator', true);
      await this.token(tx, root.id, 'demo-admin', ['api'], secrets.adminSecret);
      const demo = await this.user(tx, 'demo', 'Demo Developer', false);
      await this.token(tx, demo.id, 'demo-ide', ['api', 'ai_features'], secrets.userSecret);
      const group = await tx.group.create({
        data: { name: 'Demo Group', path: 'demo-group', fullPath: 'demo-group', parentId: null },
      });
      await audit(tx, 'group_created', 'Group', group.id, { full_path: group.fullPath });
      await tx.groupMember.create({
        data: { groupId: group.id, userId: demo.id, accessLevel: 30 },
      });
      await audit(tx, 'group_member_added', 'Group', group.id, {
        user_id: demo.id,
        access_level: 30,
      });
      const project = await tx.project.create({
        data: {
          name: 'Demo Project',
          path: 'demo-project',
          fullPath: 'demo-group/demo-project',
          groupId: group.id,
        },
      });
      await audit(tx, 'project_created', 'Project', project.id, { full_path: project.fullPath });
      const purchase = await tx.addOnPurchase.create({
        data: {
          groupId: group.id,
          addOn: 'duo_pro',
          quantity: 10,
          startsAt: today,
          expiresAt: new Date(today.getTime() + 365 * 86_400_000),
        },
      });
      await audit(tx, 'add_on_purchase_created', 'AddOnPurchase', purchase.id, {
        group_id: group.id,
        add_on: 'duo_pro',
        quantity: 10,
      });
      await tx.seatAssignment.create({ data: { purchaseId: purchase.id, userId: demo.id } });
      await audit(tx, 'seat_assigned', 'AddOnPurchase', purchase.id, { user_id: demo.id });
    });
  }

  /** Runs `write` in a transaction if there is no user yet; a lost race is not an error. */
  private async onlyOnEmpty(write: (tx: Tx) => Promise<void>): Promise<boolean> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        if ((await tx.user.count()) > 0) return false;
        await write(tx);
        return true;
      });
    } catch (err) {
      if (isUniqueViolation(err) && (await this.prisma.user.count()) > 0) return false;
      throw err;
    }
  }

  private async user(tx: Tx, username: string, name: string, admin: boolean) {
    const user = await tx.user.create({
      data: { username, name, admin, email: null, globalUserId: randomUUID() },
    });
    await audit(tx, 'user_created', 'User', user.id, { username, admin });
    return user;
  }

  private async token(tx: Tx, userId: number, name: string, scopes: string[], secret: string) {
    const token = await tx.personalAccessToken.create({
      data: { userId, name, scopes, tokenDigest: tokenDigest(secret), expiresAt: null },
    });
    await audit(tx, 'personal_access_token_created', 'PersonalAccessToken', token.id, {
      name,
      scopes,
      user_id: userId,
    });
  }
}

function audit(tx: Tx, action: string, targetType: string, id: number, after: object) {
  return tx.auditEvent.create({
    data: { ...SYSTEM, action, targetType, targetId: String(id), before: Prisma.DbNull, after },
  });
}
