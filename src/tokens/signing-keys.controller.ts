import { Body, Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
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
import { SigningKeyService, type RotationResult, type SigningKeyView } from './signing-key.service';
import { GATEWAY_BASE_URL, type GatewayBaseUrl } from './tokens.tokens';
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
  activate_in_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_ACTIVATE_IN_SEC)
    .optional()
    .meta({
      description:
        "Publish the new key now, sign with it only after this many seconds. Default: the gateway's JWKS cache time " +
        '(GATEWAY_JWKS_CACHE_SECONDS) plus our publication delay; shorter only with `immediate`',
    }),
  immediate: z
    .boolean()
    .optional()
    .meta({
      description:
        'A compromised key: sign with the new key at once (or after activate_in_seconds). Gateways that cached our ' +
        'JWKS refuse its tokens until they refetch; the answer names them',
    }),
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

function presentRotation(r: RotationResult, immediate: boolean, gateway: string) {
  const gateways = r.unsafe ? [gateway] : [];
  const until = iso(r.gatewaysMayRefuseUntil);
  return {
    kid: r.kid,
    activates_at: r.activatesAt.toISOString(),
    previous_kid: r.previousKid,
    previous_published_until: iso(r.previousPublishedUntil),
    immediate,
    gateways_may_refuse: gateways,
    gateways_may_refuse_until: until,
    warning: r.unsafe
      ? `The new key signs from ${r.activatesAt.toISOString()}: the gateway at ${gateway} (and any other that ` +
        `cached our JWKS before this rotation) refuses its tokens until it refetches our keys, at the latest ` +
        `${until}. Tokens signed by the previous key stay valid until they expire.`
      : null,
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
  constructor(
    private readonly keys: SigningKeyService,
    @Inject(GATEWAY_BASE_URL) private readonly gatewayUrl: GatewayBaseUrl,
  ) {}

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
      'Creates and publishes a new key. It starts signing once every gateway has refetched our JWKS (by default the ' +
      "gateway's JWKS cache time, 24 h, plus our publication delay; `immediate: true` for a compromised key); the " +
      'previous key stays published until its tokens have expired.',
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
      activateInMs:
        body.activate_in_seconds === undefined ? undefined : body.activate_in_seconds * 1000,
      immediate: body.immediate,
    });
    return presentRotation(result, body.immediate === true, this.gatewayUrl());
  }
}
