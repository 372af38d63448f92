import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DiscoveryController } from './discovery.controller';
import { GatewayTokenSource } from './gateway-token.source';
import { JwtIssuerService } from './jwt-issuer.service';
import { SelfSignedTokenSource } from './self-signed-token.source';
import { SigningKeyService } from './signing-key.service';
import { SigningKeysController } from './signing-keys.controller';
import { SigningKeysRepository } from './signing-keys.repository';
import { USER_TOKEN_SOURCE } from './tokens.tokens';
import type { UserTokenSource } from './user-token-source.interface';

/**
 * Signing keys, JWT issuing, OIDC discovery / JWKS, and the user-token source for direct access.
 * Needs from the app: APP_CONFIG, PrismaService, AuditRepository (global modules) and a global
 * GATEWAY_BASE_URL provider (`() => string`); ReadinessRegistry is used when present.
 */
@Module({
  controllers: [DiscoveryController, SigningKeysController],
  providers: [
    SigningKeysRepository,
    SigningKeyService,
    JwtIssuerService,
    SelfSignedTokenSource,
    GatewayTokenSource,
    {
      provide: USER_TOKEN_SOURCE,
      inject: [APP_CONFIG, SelfSignedTokenSource, GatewayTokenSource],
      useFactory: (
        config: AppConfig,
        selfSigned: SelfSignedTokenSource,
        gateway: GatewayTokenSource,
      ): UserTokenSource => (config.gateway.tokenSource === 'gateway' ? gateway : selfSigned),
    },
  ],
  exports: [SigningKeyService, JwtIssuerService, USER_TOKEN_SOURCE],
})
export class TokensModule {}
