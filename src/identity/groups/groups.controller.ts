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
import { presentUser } from '../presenters';
import { actorOf } from '../users/users.service';
import { GroupRecord, MemberRecord } from './groups.repository';
import { GroupsService } from './groups.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  groupMemberSchema,
  groupSchema,
  memberSchema,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../../common/http/openapi-schemas';

const createGroup = z.strictObject({
  name: z.string().trim().min(1).max(255),
  path,
  parent_id: id().optional(),
  description: z.string().max(2000).optional(),
  visibility: z.enum(['private', 'internal', 'public']).optional(),
});
const updateGroup = z.strictObject({
  name: z.string().trim().min(1).max(255).optional(),
  duo_features_enabled: grapeBoolean,
  direct_code_suggestions_enabled: grapeBoolean,
});
const addMember = addMemberSchema;
const listQuery = z.object({ ...pageFields, search: z.string().max(255).optional() });
/** GitLab's members list filters with `query` (a substring of username or name). */
const membersQuery = z.object({ ...pageFields, query: z.string().max(255).optional() });
const ID_OR_PATH = {
  name: 'id',
  description: 'Group id, or URL-encoded full path (`acme%2Fsub`)',
  schema: { type: 'string' },
} as const;

export function presentMember(m: MemberRecord) {
  return {
    ...presentUser(m.user),
    access_level: m.accessLevel,
    created_at: m.createdAt.toISOString(),
    expires_at: null,
  };
}

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
@ApiTags(TAGS.groups)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Post()
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({ summary: 'Create a group, or a subgroup with parent_id (admin)' })
  @ApiResponse({ status: 201, description: 'The new group', schema: groupSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description:
      'Validation failed, e.g. `path has already been taken`, `parent_id does not exist`',
  })
  async create(
    @Body(new ZodPipe(createGroup)) b: z.output<typeof createGroup>,
    @CurrentPrincipal() p: Principal,
  ) {
    return presentGroup(
      await this.groups.create({ name: b.name, path: b.path, parentId: b.parent_id }, actorOf(p)),
    );
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List groups (admin)', description: PAGINATION_DESCRIPTION })
  @ApiQuery({ name: 'search', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The groups',
    schema: { type: 'array', items: groupSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(
    @Query(new ZodPipe(listQuery)) q: z.output<typeof listQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.groups.findPage(q.search, page);
    return page.answer(items.map(presentGroup), total);
  }

  @Get(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'One group, by id or URL-encoded full path (admin)' })
  @ApiParam(ID_OR_PATH)
  @ApiResponse({ status: 200, description: 'The group', schema: groupSchema })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`id is invalid`' })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
  async get(@Param('id') id: string) {
    // Fastify has decoded the path parameter already (`acme%2Fsub` → `acme/sub`): decoding again
    // made `/groups/%25` a URIError (500) and `%2541` mean `A`.
    return presentGroup(await this.groups.resolve(id));
  }

  @Get(':id/members')
  @AdminOnly()
  @ApiOperation({
    summary: 'Direct members of a group (admin)',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiParam(ID_OR_PATH)
  @ApiQuery({ name: 'query', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The members: users with their `access_level`',
    schema: { type: 'array', items: memberSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
  async members(
    @Param('id') id: string,
    @Query(new ZodPipe(membersQuery)) q: z.output<typeof membersQuery>,
    @Pagination() page: Page,
  ) {
    const { items, total } = await this.groups.members(id, q.query, page);
    return page.answer(items.map(presentMember), total);
  }

  @Put(':id')
  @AdminOnly()
  @ApiOperation({
    summary: 'Change a group: name, duo_features_enabled, direct_code_suggestions_enabled (admin)',
  })
  @ApiParam({ name: 'id', description: 'Group id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The group', schema: groupSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
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
  @ApiOperation({ summary: 'Add a member to a group (admin)' })
  @ApiParam({ name: 'id', description: 'Group id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 201, description: 'The membership', schema: groupMemberSchema })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'Validation failed, e.g. `user_id does not exist`',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Group Not Found`' })
  async addMember(
    @Param('id', new IdPipe()) id: number,
    @Body(new ZodPipe(addMember)) b: z.output<typeof addMember>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.groups.addMember(id, b.user_id, b.access_level, actorOf(p));
    return { id: b.user_id, access_level: b.access_level, group_id: id };
  }
}
