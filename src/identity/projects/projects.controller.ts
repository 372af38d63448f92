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
import { addMemberSchema, id, IdPipe, path } from '../../common/validation/params';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { Page, pageFields, Pagination } from '../../common/http/pagination';
import { actorOf } from '../users/users.service';
import { ProjectRecord } from './projects.repository';
import { ProjectsService } from './projects.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  projectMemberSchema,
  projectSchema,
  TAGS,
} from '../../common/http/openapi-schemas';

const createProject = z.strictObject({
  name: z.string().trim().min(1).max(255),
  path: path.optional(),
  namespace_id: id(),
  description: z.string().max(2000).optional(),
  visibility: z.enum(['private', 'internal', 'public']).optional(),
});
const updateProject = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  duo_features_enabled: grapeBoolean,
});
const addMember = addMemberSchema;
const listQuery = z.object({ ...pageFields, search: z.string().max(255).optional() });

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
@ApiTags(TAGS.projects)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Create a project in a group (admin)' })
  @ApiResponse({ status: 201, description: 'The new project', schema: projectSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description:
      'Validation failed, e.g. `namespace_id does not exist`, `path has already been taken`',
  })
  async create(
    @Body(new ZodPipe(createProject)) b: z.output<typeof createProject>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentProject(
      await this.projects.create(
        { name: b.name, path: b.path, namespaceId: b.namespace_id },
        actorOf(p),
      ),
    );
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List projects (admin)', description: PAGINATION_DESCRIPTION })
  @ApiQuery({ name: 'search', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The projects',
    schema: { type: 'array', items: projectSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(
    @Query(new ZodPipe(listQuery)) q: z.output<typeof listQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.projects.findPage(q.search, page);
    return page.answer(items.map(presentProject), total);
  }

  @Get(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'One project, by id or URL-encoded full path (admin)' })
  @ApiParam({
    name: 'id',
    description: 'Project id, or URL-encoded full path (`acme%2Fwidgets`)',
    schema: { type: 'string' },
  })
  @ApiResponse({ status: 200, description: 'The project', schema: projectSchema })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Project Not Found`' })
  async get(@Param('id') id: string) {
    // Fastify has decoded the path parameter already (`acme%2Fwidgets` → `acme/widgets`); a
    // second decode made `/projects/%25` a URIError (500) and `%2541` mean `A`.
    return presentProject(await this.projects.get(id));
  }

  @Put(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'Change a project: name, duo_features_enabled (admin)' })
  @ApiParam({ name: 'id', description: 'Project id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The project', schema: projectSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Project Not Found`' })
  async update(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(updateProject)) b: z.output<typeof updateProject>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentProject(
      await this.projects.update(
        id,
        { name: b.name, duoFeaturesEnabled: b.duo_features_enabled },
        actorOf(p),
      ),
    );
  }

  @Post(':id/members')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Add a member to a project (admin)' })
  @ApiParam({ name: 'id', description: 'Project id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 201, description: 'The membership', schema: projectMemberSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'Validation failed, e.g. `user_id does not exist`',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Project Not Found`' })
  async addMember(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(addMember)) b: z.output<typeof addMember>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.projects.addMember(id, b.user_id, b.access_level, actorOf(p));
    return { id: b.user_id, access_level: b.access_level, project_id: id };
  }
}
