import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { IdPipe, isoDate } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { isoDate as presentDate } from '../presenters';
import { actorOf } from '../users/users.service';
import { PurchaseRecord } from './seats.repository';
import { SeatsService } from './seats.service';

const createPurchase = z.strictObject({
  add_on: z.enum(['duo_pro', 'duo_enterprise']),
  quantity: z.coerce.number().int().min(1).max(1_000_000),
  starts_at: isoDate.optional(),
  expires_at: isoDate.optional(),
});
const assignment = z.strictObject({ user_id: z.coerce.number().int().positive() });

function presentPurchase(p: PurchaseRecord & { assigned?: number }) {
  return {
    id: p.id,
    namespace_id: p.groupId,
    add_on: p.addOn,
    quantity: p.quantity,
    assigned_quantity: p.assigned ?? 0,
    starts_at: presentDate(p.startsAt),
    expires_at: presentDate(p.expiresAt),
    created_at: p.createdAt.toISOString(),
  };
}

@Controller('api/v4/groups/:groupId/add_on_purchases')
@AdminOnly()
export class SeatsController {
  constructor(private readonly seats: SeatsService) {}

  @Post()
  @HttpCode(201)
  async create(
    @Param('groupId', new IdPipe('group_id')) groupId: number,
    @Body(new ZodPipe(createPurchase)) b: z.output<typeof createPurchase>,
    @CurrentPrincipal() p: Principal,
  ) {
    const purchase = await this.seats.createPurchase(
      groupId,
      { addOn: b.add_on, quantity: b.quantity, startsAt: b.starts_at, expiresAt: b.expires_at },
      actorOf(p),
    );
    return presentPurchase(purchase);
  }

  @Get()
  async list(@Param('groupId', new IdPipe('group_id')) groupId: number) {
    return (await this.seats.listPurchases(groupId)).map(presentPurchase);
  }

  @Post(':purchaseId/assignments')
  @HttpCode(201)
  assign(
    @Param('groupId', new IdPipe('group_id')) groupId: number,
    @Param('purchaseId', new IdPipe('purchase_id')) purchaseId: number,
    @Body(new ZodPipe(assignment)) b: z.output<typeof assignment>,
    @CurrentPrincipal() p: Principal,
  ) {
    return this.seats.assign(groupId, purchaseId, b.user_id, actorOf(p));
  }

  /** `DELETE …/assignments` with `{user_id}` in the body or `?user_id=`. */
  @Delete(':purchaseId/assignments')
  @HttpCode(204)
  async unassign(
    @Param('groupId', new IdPipe('group_id')) groupId: number,
    @Param('purchaseId', new IdPipe('purchase_id')) purchaseId: number,
    @Body() body: unknown,
    @Query() query: unknown,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    const source = body && typeof body === 'object' && Object.keys(body).length > 0 ? body : query;
    const b = new ZodPipe(assignment).transform(source);
    await this.seats.unassign(groupId, purchaseId, b.user_id, actorOf(p));
  }
}
