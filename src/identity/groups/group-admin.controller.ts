import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
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
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { accessLevel, IdPipe } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { DeletionService } from '../deletion/deletion.service';
import { presentProject } from '../projects/projects.controller';
import { ProjectsService } from '../projects/projects.service';
import { actorOf } from '../users/users.service';
import { presentMember } from '../presenters';
import { presentGroup } from './groups.controller';
import { GroupsService } from './groups.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  groupSchema,
  memberSchema,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  projectSchema,
  TAGS,
} from '../../common/http/openapi-schemas';

const ID_OR_PATH = {
  name: 'id',
  description: 'Group id, or URL-encoded full path (`acme%2Fsub`)',
  schema: { type: 'string' },
} as const;
const USER_ID = {
  name: 'user_id',
  description: 'User id',
  schema: { type: 'integer', minimum: 1 },
} as const;
const NOT_FOUND = {
  ...ERROR_RESPONSES.notFound,
  description: '`404 Group Not Found`, `404 Member Not Found`',
};
const updateMember = z.strictObject({
  access_level: accessLevel,
  expires_at: z
    .string()
    .max(30)
    .nullish()
    .meta({ description: 'Accepted and ignored: memberships do not expire here' }),
  member_role_id: z.unknown().optional(),
});
const listQuery = z.object({ ...pageFields, search: z.string().max(255).optional() });
const projectsQuery = z.object({
  ...pageFields,
  search: z.string().max(255).optional(),
  include_subgroups: grapeBoolean,
});
const SEARCH = { name: 'search', required: false, schema: { type: 'string', maxLength: 255 } };

/** A group's members one by one, its inherited members, subgroups, projects, and its deletion. */
@Controller('api/v4/groups')
@ApiTags(TAGS.groups)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class GroupAdminController {
  constructor(
    private readonly groups: GroupsService,
    private readonly projects: ProjectsService,
    private readonly deletion: DeletionService,
  ) {}

  @Get(':id/members/all')
  @AdminOnly()
  @ApiOperation({
    summary: 'Members of a group, with those inherited from the groups above it (admin)',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(ID_OR_PATH)
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The members',
    schema: { type: 'array', items: memberSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NOT_FOUND)
  async membersAll(@Param('id') id: string, @Pagination() page: Page) {
    const { items, total } = await this.groups.inheritedMembers(id, undefined, page);
    return page.answer(items.map(presentMember), total);
  }

  @Get(':id/members/all/:user_id')
  @AdminOnly()
  @ApiOperation({ summary: 'One member of a group, direct or inherited (admin)' })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 200, description: 'The member', schema: memberSchema })
  @ApiResponse(NOT_FOUND)
  async memberAll(
    @Param('id') id: string,
    @Param('user_id', new IdPipe('user_id')) userId: number,
  ) {
    const window = { skip: 0, take: 1 };
    const { items } = await this.groups.inheritedMembers(id, userId, window);
    if (items.length === 0) return this.groups.member(id, userId).then(presentMember);
    return presentMember(items[0]);
  }

  @Get(':id/members/:user_id')
  @AdminOnly()
  @ApiOperation({ summary: 'One direct member of a group (admin)' })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 200, description: 'The member', schema: memberSchema })
  @ApiResponse(NOT_FOUND)
  async member(@Param('id') id: string, @Param('user_id', new IdPipe('user_id')) userId: number) {
    return presentMember(await this.groups.member(id, userId));
  }

  @Put(':id/members/:user_id')
  @AdminOnly()
  @ApiOperation({ summary: "Change a direct member's access level (admin)" })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 200, description: 'The member', schema: memberSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NOT_FOUND)
  async updateMember(
    @Param('id') id: string,
    @Param('user_id', new IdPipe('user_id')) userId: number,
    @Body(new ZodPipe(updateMember)) b: z.output<typeof updateMember>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentMember(await this.groups.updateMember(id, userId, b.access_level, actorOf(p)));
  }

  @Delete(':id/members/:user_id')
  @HttpCode(204)
  @AdminOnly()
  @ApiOperation({
    summary: 'Remove a direct member (admin)',
    description:
      'Seats the user held on add-on purchases of this group or a group above it end too when ' +
      'the user is left with no membership in that hierarchy (audited as `seat_unassigned`).',
  })
  @ApiParam(ID_OR_PATH)
  @ApiParam(USER_ID)
  @ApiResponse({ status: 204, description: 'Removed' })
  @ApiResponse(NOT_FOUND)
  async removeMember(
    @Param('id') id: string,
    @Param('user_id', new IdPipe('user_id')) userId: number,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    await this.groups.removeMember(id, userId, actorOf(p));
  }

  @Get(':id/subgroups')
  @AdminOnly()
  @ApiOperation({
    summary: 'Direct subgroups of a group (admin)',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(ID_OR_PATH)
  @ApiQuery(SEARCH)
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The subgroups',
    schema: { type: 'array', items: groupSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NOT_FOUND)
  async subgroups(
    @Param('id') id: string,
    @Query(new ZodPipe(listQuery)) q: z.output<typeof listQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.groups.subgroups(id, q.search, page);
    return page.answer(items.map(presentGroup), total);
  }

  @Get(':id/projects')
  @AdminOnly()
  @ApiOperation({
    summary: "A group's projects; with include_subgroups, those of its subgroups too (admin)",
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(ID_OR_PATH)
  @ApiQuery(SEARCH)
  @ApiQuery({ name: 'include_subgroups', required: false, schema: { type: 'boolean' } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The projects',
    schema: { type: 'array', items: projectSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(NOT_FOUND)
  async groupProjects(
    @Param('id') id: string,
    @Query(new ZodPipe(projectsQuery)) q: z.output<typeof projectsQuery>,
    @Pagination() page: Page,
  ) {
    const groupIds = await this.groups.scope(id, q.include_subgroups ?? false);
    const { items, total } = await this.projects.findPage(q.search, page, groupIds);
    return page.answer(items.map(presentProject), total);
  }

  @Delete(':id')
  @HttpCode(202)
  @AdminOnly()
  @ApiOperation({
    summary:
      'Delete a group with its subgroups, projects, memberships and add-on purchases (admin)',
    description:
      'At once (GitLab may delay it): the seats of the purchases end with them; personal access ' +
      'tokens belong to users and are untouched. 409 while a feature flag actor gate names the ' +
      'group, a subgroup or one of their projects. One `group_deleted` audit event lists it all.',
  })
  @ApiParam(ID_OR_PATH)
  @ApiResponse({ status: 202, description: '`{"message":"202 Accepted"}`' })
  @ApiResponse({ ...ERROR_RESPONSES.conflict, description: 'A feature flag actor gate names it' })
  @ApiResponse(NOT_FOUND)
  async remove(@Param('id') id: string, @CurrentPrincipal() p: Principal) {
    await this.deletion.deleteGroup(id, actorOf(p));
    return { message: '202 Accepted' };
  }
}
