import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ZodPipe } from '../common/validation/zod.pipe';
import { actorOf } from '../identity/users/users.service';
import { SigningKeyService, type SigningKeyView } from './signing-key.service';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  rotateSigningKeyAnswerSchema,
  signingKeySchema,
  TAGS,
} from '../common/http/openapi-schemas';

/** Up to 30 days: enough to outlast a verifier that caches the JWKS for a day. */
const MAX_ACTIVATE_IN_SEC = 30 * 24 * 3600;

const rotateBody = z.strictObject({
  /** Publish the new key now, sign with it only after this many seconds (default 0). */
  activate_in_seconds: z.number().int().min(0).max(MAX_ACTIVATE_IN_SEC).optional(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function presentKey(k: SigningKeyView) {
  return {
    kid: k.kid,
    created_at: iso(k.createdAt),
    retired_at: iso(k.retiredAt),
    published_until: iso(k.publishedUntil),
    active: k.active,
    published: k.published,
  };
}

/** Admin API for the token-signing keys. Never returns key material. */
@Controller('api/v4/admin/signing_keys')
@AdminOnly()
@ApiTags(TAGS.signingKeys)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class SigningKeysController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get()
  @ApiOperation({ summary: 'The signing keys: active, retired and still published (admin)' })
  @ApiResponse({
    status: 200,
    description: 'The keys (no key material)',
    schema: { type: 'array', items: signingKeySchema },
  })
  async list() {
    return (await this.keys.list()).map(presentKey);
  }

  @Post('rotate')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Rotate the signing key (admin)',
    description:
      'Creates and publishes a new key. With `activate_in_seconds` it only starts signing after that delay, so verifiers ' +
      'that cache the JWKS learn it first; the previous key stays published until its tokens have expired.',
  })
  @ApiBody({ required: false, schema: { type: 'object' } }) // the zod schema fills it in
  @ApiResponse({ status: 201, description: 'The rotation', schema: rotateSigningKeyAnswerSchema })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  @ApiResponse(ERROR_RESPONSES.serviceUnavailable)
  async rotate(
    @Body(new ZodPipe(rotateBody)) body: z.output<typeof rotateBody>,
    @CurrentPrincipal() principal: Principal,
  ) {
    const result = await this.keys.rotate(actorOf(principal), {
      activateInMs: (body.activate_in_seconds ?? 0) * 1000,
    });
    return {
      kid: result.kid,
      activates_at: result.activatesAt.toISOString(),
      previous_kid: result.previousKid,
      previous_published_until: iso(result.previousPublishedUntil),
    };
  }
}
