import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
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
import { IdPipe, looseBoolean, username } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { presentUser } from '../presenters';
import { actorOf, UsersService } from './users.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
  userSchema,
} from '../../common/http/openapi-schemas';

const createUser = z.strictObject({
  username,
  name: z.string().trim().min(1).max(255),
  email: z.string().email().max(255).optional(),
  admin: looseBoolean.optional(),
});
const updateUser = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  admin: looseBoolean.optional(),
  state: z.enum(['active', 'blocked']).optional(),
});
const search = z.object({ username: z.string().max(255).optional() });

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
  @ApiOperation({ summary: 'List users, or find one by username' })
  @ApiQuery({ name: 'username', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiResponse({
    status: 200,
    description: 'Users (email only for administrators)',
    schema: { type: 'array', items: userSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(
    @Query(new ZodPipe(search)) q: z.output<typeof search>,
    @CurrentPrincipal() p: Principal,
  ) {
    return (await this.users.search(q.username)).map((u) =>
      presentUser(u, { withEmail: p.user.admin }),
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
