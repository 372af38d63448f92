import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ZodPipe } from '../common/validation/zod.pipe';
import { actorOf } from '../identity/users/users.service';
import { SigningKeyService, type SigningKeyView } from './signing-key.service';

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
export class SigningKeysController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get()
  async list() {
    return (await this.keys.list()).map(presentKey);
  }

  @Post('rotate')
  @HttpCode(201)
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
