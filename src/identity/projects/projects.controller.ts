import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { IdPipe, looseBoolean, path } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { actorOf } from '../users/users.service';
import { ProjectRecord } from './projects.repository';
import { ProjectsService } from './projects.service';

const createProject = z.strictObject({
  name: z.string().trim().min(1).max(255),
  path: path.optional(),
  namespace_id: z.coerce.number().int().positive(),
  description: z.string().max(2000).optional(),
  visibility: z.enum(['private', 'internal', 'public']).optional(),
});
const updateProject = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  duo_features_enabled: looseBoolean.optional(),
});
const addMember = z.strictObject({
  user_id: z.coerce.number().int().positive(),
  access_level: z.coerce.number().int().min(10).max(50).default(30),
});

export function presentProject(p: ProjectRecord) {
  const namespacePath = p.fullPath.slice(0, p.fullPath.lastIndexOf('/'));
  return {
    id: p.id,
    name: p.name,
    path: p.path,
    path_with_namespace: p.fullPath,
    namespace: { id: p.groupId, kind: 'group', full_path: namespacePath },
    duo_features_enabled: p.duoFeaturesEnabled,
    created_at: p.createdAt.toISOString(),
  };
}

@Controller('api/v4/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  async create(@Body(new ZodPipe(createProject)) b: z.output<typeof createProject>, @CurrentPrincipal() p: Principal) {
    return presentProject(
      await this.projects.create({ name: b.name, path: b.path, namespaceId: b.namespace_id }, actorOf(p)),
    );
  }

  @Get(':id')
  @AdminOnly()
  async get(@Param('id') id: string) {
    return presentProject(await this.projects.get(decodeURIComponent(id)));
  }

  @Put(':id')
  @AdminOnly()
  async update(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(updateProject)) b: z.output<typeof updateProject>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentProject(
      await this.projects.update(id, { name: b.name, duoFeaturesEnabled: b.duo_features_enabled }, actorOf(p)),
    );
  }

  @Post(':id/members')
  @HttpCode(201)
  @AdminOnly()
  async addMember(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(addMember)) b: z.output<typeof addMember>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.projects.addMember(id, b.user_id, b.access_level, actorOf(p));
    return { id: b.user_id, access_level: b.access_level, project_id: id };
  }
}
