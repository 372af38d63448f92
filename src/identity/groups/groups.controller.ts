import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { IdPipe, looseBoolean, path } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { actorOf } from '../users/users.service';
import { GroupRecord } from './groups.repository';
import { GroupsService } from './groups.service';

const createGroup = z.strictObject({
  name: z.string().trim().min(1).max(255),
  path,
  parent_id: z.coerce.number().int().positive().optional(),
  description: z.string().max(2000).optional(),
  visibility: z.enum(['private', 'internal', 'public']).optional(),
});
const updateGroup = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  duo_features_enabled: looseBoolean.optional(),
  direct_code_suggestions_enabled: looseBoolean.optional(),
});
const addMember = z.strictObject({
  user_id: z.coerce.number().int().positive(),
  access_level: z.coerce.number().int().refine((v) => [10, 20, 30, 40, 50].includes(v), 'does not have a valid value').default(30),
});

export function presentGroup(g: GroupRecord) {
  return {
    id: g.id,
    name: g.name,
    path: g.path,
    full_path: g.fullPath,
    parent_id: g.parentId,
    kind: 'group',
    duo_features_enabled: g.duoFeaturesEnabled,
    direct_code_suggestions_enabled: g.directCodeSuggestionsEnabled,
    created_at: g.createdAt.toISOString(),
  };
}

@Controller('api/v4/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  async create(@Body(new ZodPipe(createGroup)) b: z.output<typeof createGroup>, @CurrentPrincipal() p: Principal) {
    return presentGroup(await this.groups.create({ name: b.name, path: b.path, parentId: b.parent_id }, actorOf(p)));
  }

  @Get()
  @AdminOnly()
  async list() {
    return (await this.groups.list()).map(presentGroup);
  }

  @Get(':id')
  @AdminOnly()
  async get(@Param('id', new IdPipe()) id: number) {
    return presentGroup(await this.groups.get(id));
  }

  @Put(':id')
  @AdminOnly()
  async update(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(updateGroup)) b: z.output<typeof updateGroup>,
    @CurrentPrincipal() p: Principal,
  ) {
    const changes = {
      name: b.name,
      duoFeaturesEnabled: b.duo_features_enabled,
      directCodeSuggestionsEnabled: b.direct_code_suggestions_enabled,
    };
    return presentGroup(await this.groups.update(id, changes, actorOf(p)));
  }

  @Post(':id/members')
  @HttpCode(201)
  @AdminOnly()
  async addMember(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(addMember)) b: z.output<typeof addMember>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.groups.addMember(id, b.user_id, b.access_level, actorOf(p));
    return { id: b.user_id, access_level: b.access_level, group_id: id };
  }
}
