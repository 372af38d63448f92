import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
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
import { IdPipe, username } from '../../common/validation/params';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { presentUser } from '../presenters';
import { actorOf, UsersService } from './users.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
  userSchema,
} from '../../common/http/openapi-schemas';

/**
 * GitLab's account fields that clients send on create (python-gitlab and gitbeaker examples send
 * `password`, `skip_confirmation`, ...). Switchboard has no password login: they are accepted so
 * scripts work unmodified, and discarded (a password is never stored, hashed or logged).
 */
const ignoredAccountFields = {
  password: z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'Accepted and discarded: Switchboard has no password login' }),
  reset_password: grapeBoolean,
  force_random_password: grapeBoolean,
  skip_confirmation: grapeBoolean,
  projects_limit: z.union([z.number(), z.string().max(20)]).optional(),
  can_create_group: grapeBoolean,
  external: grapeBoolean,
  private_profile: grapeBoolean,
  note: z.string().max(2000).optional(),
};
const createUser = z
  .strictObject({
    username,
    name: z.string().trim().min(1).max(255),
    email: z.string().email().max(255).optional(),
    admin: grapeBoolean,
    ...ignoredAccountFields,
  })
  .transform(({ username, name, email, admin }) => ({ username, name, email, admin }));
const updateUser = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  admin: grapeBoolean,
  state: z.enum(['active', 'blocked']).optional(),
});
const listQuery = z.object({
  ...pageFields,
  username: z.string().max(255).optional(),
  search: z.string().max(255).optional(),
  active: grapeBoolean,
  blocked: grapeBoolean,
});

@Controller('api/v4')
@ApiTags(TAGS.users)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.insufficientScope)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('user')
  @ApiOperation({ summary: 'The current user (with email)' })
  @ApiResponse({ status: 200, description: 'The user the token belongs to', schema: userSchema })
  async me(@CurrentPrincipal() p: Principal) {
    return presentUser(await this.users.get(p.user.id), { withEmail: true });
  }

  @Post('users')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Create a user (admin)' })
  @ApiResponse({ status: 201, description: 'The new user', schema: userSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.adminOnly)
  @ApiResponse({ ...ERROR_RESPONSES.conflict, description: 'Username has already been taken' })
  async create(
    @Body(new ZodPipe(createUser)) body: z.output<typeof createUser>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentUser(await this.users.create(body, actorOf(p)), { withEmail: true });
  }

  @Get('users')
  @ApiOperation({
    summary: 'List users (paginated), search them, or find one by username',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiQuery({ name: 'username', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiQuery({
    name: 'search',
    required: false,
    description: 'Substring of the username or name (or email, for administrators)',
    schema: { type: 'string', maxLength: 255 },
  })
  @ApiQuery({ name: 'active', required: false, schema: { type: 'boolean' } })
  @ApiQuery({ name: 'blocked', required: false, schema: { type: 'boolean' } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'Users (email only for administrators)',
    schema: { type: 'array', items: userSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(
    @Query(new ZodPipe(listQuery)) q: z.output<typeof listQuery>,
    @Pagination() page: Page,
    @CurrentPrincipal() p: Principal,
  ) {
    const state = q.blocked ? ('blocked' as const) : q.active ? ('active' as const) : undefined;
    const filter = { username: q.username, search: q.search, state, searchEmail: p.user.admin };
    const { items, total } = await this.users.findPage(filter, page);
    return page.answer(
      items.map((u) => presentUser(u, { withEmail: p.user.admin })),
      total,
    );
  }

  @Get('users/:id')
  @ApiOperation({ summary: 'One user' })
  @ApiParam({ name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description: 'The user (email only for administrators)',
    schema: userSchema,
  })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`id is invalid`' })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async get(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    return presentUser(await this.users.get(id), { withEmail: p.user.admin });
  }

  @Post('users/:id/block')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Block a user: their tokens stop working at once (admin)' })
  @ApiParam({ name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } })
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: '`true`', schema: { type: 'boolean' } })
  @ApiResponse(ERROR_RESPONSES.adminOnly)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async block(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    await this.users.setBlocked(id, true, actorOf(p));
    return true;
  }

  @Post('users/:id/unblock')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Unblock a user (admin)' })
  @ApiParam({ name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } })
  @ApiBody({ required: false, schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: '`true`', schema: { type: 'boolean' } })
  @ApiResponse(ERROR_RESPONSES.adminOnly)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async unblock(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    await this.users.setBlocked(id, false, actorOf(p));
    return true;
  }

  @Put('users/:id')
  @AdminOnly()
  @ApiOperation({ summary: 'Change a user: name, admin, state (admin)' })
  @ApiParam({ name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The user', schema: userSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.adminOnly)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async update(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(updateUser)) body: z.output<typeof updateUser>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentUser(await this.users.update(id, body, actorOf(p)), { withEmail: true });
  }
}
