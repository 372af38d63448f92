import { Controller, Get, Inject, Optional, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../common/auth/auth.decorators';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { sendCacheableJson } from './cacheable-json';
import { SigningKeyService } from './signing-key.service';
import { TOKENS_TUNING, tuningWith, type TokensTuning } from './tokens.tokens';
import {
  jwksSchema,
  NOT_MODIFIED_RESPONSE,
  openidConfigurationSchema,
  TAGS,
} from '../common/http/openapi-schemas';

export const JWKS_PATH = '/oauth/discovery/keys';
/** The discovery document only changes with PUBLIC_URL. */
export const DISCOVERY_MAX_AGE_SEC = 3600;

/** The claims our tokens carry (jwt-issuer.service.ts) and the scopes they may grant. */
export const CLAIMS_SUPPORTED = [
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'gitlab_realm',
  'gitlab_instance_id',
  'gitlab_instance_uid',
  'scopes',
];
export const SCOPES_SUPPORTED = ['complete_code', 'generate_code'];

/** GitLab's OIDC discovery shape, minus the OAuth endpoints we do not serve. */
export function openidConfiguration(publicUrl: string) {
  return {
    issuer: publicUrl,
    jwks_uri: `${publicUrl}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claim_types_supported: ['normal'],
    claims_supported: CLAIMS_SUPPORTED,
    scopes_supported: SCOPES_SUPPORTED,
  };
}

/** Where the AI Gateway finds the keys our tokens are signed with (GitLab's paths). */
@Controller()
@Public()
@ApiTags(TAGS.discovery)
@ApiResponse(NOT_MODIFIED_RESPONSE)
export class DiscoveryController {
  private readonly jwksMaxAgeSec: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: SigningKeyService,
    @Optional() @Inject(TOKENS_TUNING) tuning?: Partial<TokensTuning>,
  ) {
    this.jwksMaxAgeSec = tuningWith(tuning).jwksCacheMaxAgeSec;
  }

  @Get('.well-known/openid-configuration')
  @ApiOperation({ summary: 'OIDC discovery document: issuer and jwks_uri' })
  @ApiResponse({
    status: 200,
    description: 'Cacheable (Cache-Control max-age 3600, ETag)',
    schema: openidConfigurationSchema,
    headers: {
      ETag: { schema: { type: 'string' } },
      'Cache-Control': { schema: { type: 'string' } },
    },
  })
  configuration(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    const body = openidConfiguration(this.config.http.publicUrl);
    sendCacheableJson(req, reply, body, DISCOVERY_MAX_AGE_SEC);
  }

  @Get('oauth/discovery/keys')
  @ApiOperation({ summary: 'JWKS: the public keys AI Gateway tokens are signed with (RS256)' })
  @ApiResponse({
    status: 200,
    description: 'Cacheable (Cache-Control max-age 300, ETag)',
    schema: jwksSchema,
    headers: {
      ETag: { schema: { type: 'string' } },
      'Cache-Control': { schema: { type: 'string' } },
    },
  })
  async jwks(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    sendCacheableJson(req, reply, await this.keys.jwks(), this.jwksMaxAgeSec);
  }
}
