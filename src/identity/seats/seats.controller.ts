import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { id, IdPipe, integer, isoDate } from '../../common/validation/params';
import { ApiZodBody } from '../../common/http/openapi/zod-openapi';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { isoDate as presentDate } from '../presenters';
import { actorOf } from '../users/users.service';
import { PurchaseRecord } from './seats.repository';
import { SeatsService } from './seats.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  purchaseSchema,
  seatAssignmentSchema,
  TAGS,
} from '../../common/http/openapi-schemas';

const createPurchase = z.strictObject({
  add_on: z.enum(['duo_pro', 'duo_enterprise']),
  quantity: integer(1, 1_000_000),
  starts_at: isoDate.optional(),
  expires_at: isoDate.optional(),
});
const assignment = z.strictObject({ user_id: id() });

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
@ApiTags(TAGS.addOnPurchases)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class SeatsController {
  constructor(private readonly seats: SeatsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Buy a Duo add-on for a top-level group (admin)' })
  @ApiParam({
    name: 'groupId',
    description: 'Top-level group id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiResponse({ status: 201, description: 'The purchase', schema: purchaseSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description:
      'Validation failed, e.g. `group must be a top-level group …`, `expires_at must be after starts_at`',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
  @ApiResponse({
    ...ERROR_RESPONSES.conflict,
    description: 'The add-on already has a purchase for this period',
  })
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
  @ApiOperation({ summary: "A group's add-on purchases with their assigned seat counts (admin)" })
  @ApiParam({
    name: 'groupId',
    description: 'Top-level group id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiResponse({
    status: 200,
    description: 'The purchases',
    schema: { type: 'array', items: purchaseSchema },
  })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`group_id is invalid`' })
  async list(@Param('groupId', new IdPipe('group_id')) groupId: number) {
    return (await this.seats.listPurchases(groupId)).map(presentPurchase);
  }

  @Post(':purchaseId/assignments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Assign a seat to a member of the group (admin)' })
  @ApiParam({
    name: 'groupId',
    description: 'Top-level group id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiParam({
    name: 'purchaseId',
    description: 'Add-on purchase id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiResponse({ status: 201, description: 'The seat assignment', schema: seatAssignmentSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'Validation failed, e.g. `user_id is not a member of the group`',
  })
  @ApiResponse({
    ...ERROR_RESPONSES.notFound,
    description: '`404 Group Not Found` or `404 Add-on purchase Not Found`',
  })
  @ApiResponse({
    ...ERROR_RESPONSES.conflict,
    description: 'The user already has a seat in this purchase',
  })
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
  @ApiOperation({ summary: "Remove a user's seat (admin): `user_id` in the body or the query" })
  @ApiParam({
    name: 'groupId',
    description: 'Top-level group id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiParam({
    name: 'purchaseId',
    description: 'Add-on purchase id',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiQuery({
    name: 'user_id',
    required: false,
    description: 'When the body is empty',
    schema: { type: 'integer', minimum: 1 },
  })
  @ApiZodBody(assignment, { required: false })
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({
    ...ERROR_RESPONSES.notFound,
    description: '`404 Add-on purchase Not Found` or `404 Seat assignment Not Found`',
  })
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
