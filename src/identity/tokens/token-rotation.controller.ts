import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { DomainError } from '../../common/errors/domain-error';
import { IdPipe, isId, isoDate } from '../../common/validation/params';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { presentToken } from '../presenters';
import { TokensService } from './tokens.service';
import {
  BEARER_SCHEME,
  createdTokenSchema,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
  tokenSchema,
} from '../../common/http/openapi-schemas';

const rotateBody = z.strictObject({ expires_at: isoDate.optional() });
const NOT_FOUND = {
  ...ERROR_RESPONSES.notFound,
  description: '`404 Personal Access Token Not Found`',
};

/** One token by id, and GitLab's rotation (new secret, old token revoked). */
@Controller('api/v4/personal_access_tokens')
@ApiTags(TAGS.tokens)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.insufficientScope)
export class TokenRotationController {
  constructor(private readonly tokens: TokensService) {}

  @Get(':id')
  @ApiOperation({ summary: 'One token: any for administrators, your own otherwise (no secret)' })
  @ApiParam({ name: 'id', description: 'Token id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The token', schema: tokenSchema })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`id is invalid`' })
  @ApiResponse(NOT_FOUND)
  async get(@Param('id', new IdPipe()) id: number, @CurrentPrincipal() p: Principal) {
    return presentToken(await this.tokens.get(id, p));
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate a token: a new secret, the old token revoked at once',
    description:
      '`id` may be `self` (the token of this request). The new token keeps the name and scopes ' +
      'and expires on `expires_at` (YYYY-MM-DD), one week from today by default.',
  })
  @ApiParam({ name: 'id', description: 'Token id, or `self`', schema: { type: 'string' } })
  @ApiResponse({
    status: 200,
    description: 'The new token, with its secret in `token`',
    schema: createdTokenSchema,
  })
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'Revoked or expired token; bad `expires_at`',
  })
  @ApiResponse(NOT_FOUND)
  async rotate(
    @Param('id') rawId: string,
    @Body(new ZodPipe(rotateBody)) b: z.output<typeof rotateBody>,
    @CurrentPrincipal() p: Principal,
  ) {
    const id = rawId === 'self' ? p.token.id : isId(rawId) ? Number(rawId) : undefined;
    if (id === undefined) throw DomainError.invalid('id', 'is invalid');
    if (b.expires_at && b.expires_at.getTime() <= Date.now()) {
      throw DomainError.invalid('expires_at', 'must be in the future');
    }
    const { token, secret } = await this.tokens.rotate(id, p, b.expires_at);
    return { ...presentToken(token), token: secret };
  }
}
