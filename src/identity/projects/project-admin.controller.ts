import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
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
import { Page, pageFields, Pagination } from '../../common/http/pagination';
import { IdPipe } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { DeletionService } from '../deletion/deletion.service';
import { presentMember } from '../presenters';
import { actorOf } from '../users/users.service';
import { ProjectsService } from './projects.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  memberSchema,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../../common/http/openapi-schemas';

const ID_OR_PATH = {
  name: 'id',
  description: 'Project id, or URL-encoded full path (`acme%2Fwidgets`)',
  schema: { type: 'string' },
} as const;
const USER_ID = {
  name: 'user_id',
  description: 'User id',
  schema: { type: 'integer', minimum: 1 },
} as const;
const NOT_FOUND = {
  ...ERROR_RESPONSES.notFound,
  description: '`404 Project Not Found`, `404 Member Not Found`',
};
/** GitLab's members list filters with `query` (a substring of username or name). */
const membersQuery = z.object({ ...pageFields, query: z.string().max(255).optional() });

/** A project's members (list, one, remove) and its deletion. */
@Controller('api/v4/projects')
@ApiTags(TAGS.projects)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class ProjectAdminController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly deletion: DeletionService,
  ) {}

  @Get(':id/members')
  @AdminOnly()
  @ApiOperation({
    summary: 'Direct members of a project (admin)',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(ID_OR_PATH)
  @ApiQuery({ name: 'query', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The members',
    schema: { type: 'array', items: memberSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NOT_FOUND)
  async members(
    @Param('id') id: string,
    @Query(new ZodPipe(membersQuery)) q: z.output<typeof membersQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.projects.members(id, q.query, page);
    return page.answer(items.map(presentMember), total);
  }

  @Get(':id/members/:user_id')
  @AdminOnly()
  @ApiOperation({ summary: 'One direct member of a project (admin)' })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 200, description: 'The member', schema: memberSchema })
  @ApiResponse(NOT_FOUND)
  async member(@Param('id') id: string, @Param('user_id', new IdPipe('user_id')) userId: number) {
    return presentMember(await this.projects.member(id, userId));
  }

  @Delete(':id/members/:user_id')
  @HttpCode(204)
  @AdminOnly()
  @ApiOperation({ summary: 'Remove a direct member of a project (admin)' })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse(NOT_FOUND)
  async removeMember(
    @Param('id') id: string,
    @Param('user_id', new IdPipe('user_id')) userId: number,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    await this.projects.removeMember(id, userId, actorOf(p));
  }

  @Delete(':id')
  @HttpCode(202)
  @AdminOnly()
  @ApiOperation({
    summary: 'Delete a project with its memberships (admin)',
    description:
      'At once (GitLab may delay it). 409 while a feature flag actor gate names the project. ' +
      'Audited as `project_deleted`.',
  })
  @ApiParam(ID_OR_PATH)
  @ApiResponse({ status: 202, description: '`{"message":"202 Accepted"}`' })
  @ApiResponse({ ...ERROR_RESPONSES.conflict, description: 'A feature flag actor gate names it' })
  @ApiResponse(NOT_FOUND)
  async remove(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    await this.deletion.deleteProject(id, actorOf(p));
    return { message: '202 Accepted' };
  }
}
