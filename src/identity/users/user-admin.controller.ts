import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
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
import { Page, pageFields, Pagination } from '../../common/http/pagination';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { IdPipe } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { DeletionService } from '../deletion/deletion.service';
import { actorOf, UsersService } from './users.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  membershipSchema,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../../common/http/openapi-schemas';

const USER_ID = { name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } };
const deleteQuery = z.object({ hard_delete: grapeBoolean });
const membershipsQuery = z.object({
  ...pageFields,
  type: z.enum(['Namespace', 'Project']).optional(),
});

/** The admin's user life cycle beyond create and edit: delete, (de)activate, memberships. */
@Controller('api/v4/users')
@ApiTags(TAGS.users)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class UserAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly deletion: DeletionService,
  ) {}

  @Delete(':id')
  @HttpCode(204)
  @AdminOnly()
  @ApiOperation({
    summary: 'Delete a user with their tokens, memberships and seats (admin)',
    description:
      '`hard_delete` is accepted: both forms remove the same here (the user has no contributions ' +
      'to hand to a ghost user); audit events keep their name.',
  })
  @ApiParam(USER_ID)
  @ApiQuery({ name: 'hard_delete', required: false, schema: { type: 'boolean' } })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiResponse({
    ...ERROR_RESPONSES.adminOnly,
    description: 'Not an administrator, or the user is the one asking',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  @ApiResponse({
    ...ERROR_RESPONSES.conflict,
    description: 'A feature flag actor gate names the user',
  })
  async remove(
    @Param('id', new IdPipe()) id: number,
    @Query(new ZodPipe(deleteQuery)) q: z.output<typeof deleteQuery>,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    await this.deletion.deleteUser(id, q.hard_delete ?? false, actorOf(p));
  }

  @Post(':id/activate')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Activate a deactivated user (admin)' })
  @ApiParam(USER_ID)
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: '`true`', schema: { type: 'boolean' } })
  @ApiResponse({
    ...ERROR_RESPONSES.adminOnly,
    description: 'Not an administrator, or the user is blocked',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async activate(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    await this.users.setActive(id, true, actorOf(p));
    return true;
  }

  @Post(':id/deactivate')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Deactivate a user: their tokens stop working until activated (admin)' })
  @ApiParam(USER_ID)
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: '`true`', schema: { type: 'boolean' } })
  @ApiResponse({
    ...ERROR_RESPONSES.adminOnly,
    description: 'Not an administrator, or the user is blocked',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async deactivate(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    await this.users.setActive(id, false, actorOf(p));
    return true;
  }

  @Get(':id/memberships')
  @AdminOnly()
  @ApiOperation({
    summary: "A user's direct group (Namespace) and project memberships (admin)",
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(USER_ID)
  @ApiQuery({
    name: 'type',
    required: false,
    schema: { type: 'string', enum: ['Namespace', 'Project'] },
  })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The memberships',
    schema: { type: 'array', items: membershipSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async memberships(
    @Param('id', new IdPipe()) id: number,
    @Query(new ZodPipe(membershipsQuery)) q: z.output<typeof membershipsQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.users.memberships(id, q.type, page);
    return page.answer(
      items.map((m) => ({
        source_id: m.sourceId,
        source_name: m.sourceName,
        source_type: m.sourceType,
        access_level: m.accessLevel,
      })),
      total,
    );
  }
}
