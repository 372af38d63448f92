import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { IdPipe, looseBoolean, username } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { presentUser } from '../presenters';
import { actorOf, UsersService } from './users.service';

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
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('user')
  async me(@CurrentPrincipal() p: Principal) {
    return presentUser(await this.users.get(p.user.id), { withEmail: true });
  }

  @Post('users')
  @HttpCode(201)
  @AdminOnly()
  async create(@Body(new ZodPipe(createUser)) body: z.output<typeof createUser>, @CurrentPrincipal() p: Principal) {
    return presentUser(await this.users.create(body, actorOf(p)), { withEmail: true });
  }

  @Get('users')
  async list(@Query(new ZodPipe(search)) q: z.output<typeof search>, @CurrentPrincipal() p: Principal) {
    return (await this.users.search(q.username)).map((u) => presentUser(u, { withEmail: p.user.admin }));
  }

  @Get('users/:id')
  async get(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    return presentUser(await this.users.get(id), { withEmail: p.user.admin });
  }

  @Put('users/:id')
  @AdminOnly()
  async update(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(updateUser)) body: z.output<typeof updateUser>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentUser(await this.users.update(id, body, actorOf(p)), { withEmail: true });
  }
}
