import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
import { AdminOnly, CurrentPrincipal, Scopes } from '../../common/auth/auth.decorators';
import { Principal, TOKEN_SCOPES } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { Page, pageFields, Pagination } from '../../common/http/pagination';
import { id, IdPipe, isoDate } from '../../common/validation/params';
import { grapeBoolean } from '../../common/validation/grape-boolean';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { presentToken } from '../presenters';
import { UsersService, actorOf } from '../users/users.service';
import { TokensService } from './tokens.service';
import {
  ApiPagination,
  BEARER_SCHEME,
  createdTokenSchema,
  ERROR_RESPONSES,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
  tokenSchema,
} from '../../common/http/openapi-schemas';

const createToken = z.strictObject({
  name: z.string().trim().min(1).max(255),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1).max(TOKEN_SCOPES.length),
  expires_at: isoDate.nullable().optional(),
  description: z.string().max(255).optional(),
});

const listQuery = z.object({
  ...pageFields,
  user_id: id().optional(),
  state: z.enum(['active', 'inactive']).optional(),
  revoked: grapeBoolean,
  search: z.string().max(255).optional(),
});

@Controller('api/v4')
@ApiTags(TAGS.tokens)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly users: UsersService,
  ) {}

  /** The secret is in this answer only; it is stored as a sha256 digest. */
  @Post('users/:id/personal_access_tokens')
  @HttpCode(201)
  @AdminOnly()
  @ApiOperation({
    summary: 'Create a personal access token for a user (admin); the secret is in this answer only',
  })
  @ApiParam({ name: 'id', description: 'User id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 201,
    description: 'The token, with its secret in `token`',
    schema: createdTokenSchema,
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.adminOnly)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 User Not Found`' })
  async create(
    @Param('id', new IdPipe('user_id')) userId: number,
    @Body(new ZodPipe(createToken)) body: z.output<typeof createToken>,
    @CurrentPrincipal() p: Principal,
  ) {
    await this.users.get(userId);
    if (body.expires_at && body.expires_at.getTime() <= Date.now()) {
      throw DomainError.invalid('expires_at', 'must be in the future');
    }
    const { token, secret } = await this.tokens.create(
      userId,
      { name: body.name, scopes: [...new Set(body.scopes)], expiresAt: body.expires_at ?? null },
      actorOf(p),
    );
    return { ...presentToken(token), token: secret };
  }

  @Get('personal_access_tokens')
  @ApiOperation({
    summary: "List tokens: anyone's for administrators, your own otherwise (never the secrets)",
    description: PAGINATION_DESCRIPTION,
  })
  @ApiQuery({ name: 'user_id', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({
    name: 'state',
    required: false,
    schema: { type: 'string', enum: ['active', 'inactive'] },
  })
  @ApiQuery({ name: 'revoked', required: false, schema: { type: 'boolean' } })
  @ApiQuery({ name: 'search', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The tokens',
    schema: { type: 'array', items: tokenSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.insufficientScope)
  async list(
    @Query(new ZodPipe(listQuery)) q: z.output<typeof listQuery>,
    @Pagination() page: Page,
    @CurrentPrincipal() p: Principal,
  ) {
    const filter = { userId: q.user_id, state: q.state, revoked: q.revoked, search: q.search };
    const { items, total } = await this.tokens.findPage(filter, page, p);
    return page.answer(items.map(presentToken), total);
  }

  @Get('personal_access_tokens/self')
  @Scopes('api', 'read_api', 'ai_features')
  @ApiOperation({ summary: 'The token used for this request (any scope)' })
  @ApiResponse({ status: 200, description: 'The token, without its secret', schema: tokenSchema })
  async self(@CurrentPrincipal() p: Principal) {
    const token = await this.tokens.findById(p.token.id);
    if (!token) throw DomainError.unauthorized();
    return presentToken(token);
  }

  @Delete('personal_access_tokens/self')
  @HttpCode(204)
  @Scopes('api', 'ai_features')
  @ApiOperation({ summary: 'Revoke the token used for this request' })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse(ERROR_RESPONSES.insufficientScope)
  async revokeSelf(@CurrentPrincipal() p: Principal): Promise<void> {
    await this.tokens.revoke(p.token.id, p);
  }

  @Delete('personal_access_tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token: one of your own, or any token for administrators' })
  @ApiParam({ name: 'id', description: 'Token id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 204, description: 'Revoked' })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`id is invalid`' })
  @ApiResponse(ERROR_RESPONSES.insufficientScope)
  @ApiResponse({
    ...ERROR_RESPONSES.notFound,
    description: "`404 Personal Access Token Not Found` (also for other users' tokens)",
  })
  async revoke(
    @Param('id', new IdPipe()) id: number,
    @CurrentPrincipal() p: Principal,
  ): Promise<void> {
    await this.tokens.revoke(id, p);
  }
}
