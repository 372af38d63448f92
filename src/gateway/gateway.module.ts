import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SettingsService } from '../identity/settings/settings.service';
import { EmbeddedStubService } from './embedded-stub.service';
import { GatewayClient } from './gateway.client';
import {
  GATEWAY_BASE_URL,
  GATEWAY_CLIENT_OPTIONS,
  GatewayBaseUrl,
  GatewayClientOptions,
} from './gateway.types';

/** The AI Gateway: its URL in force (settings > AIGW_URL > built-in stub) and the HTTP client. */
@Global()
@Module({
  providers: [
    EmbeddedStubService,
    GatewayClient,
    {
      // GATEWAY_TIMEOUT_MS doubles as the idle limit between streamed chunks: the same "the
      // gateway went quiet" judgement, so no second variable to tune.
      provide: GATEWAY_CLIENT_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): GatewayClientOptions => ({
        streamIdleTimeoutMs: config.gateway.timeoutMs,
      }),
    },
    {
      provide: GATEWAY_BASE_URL,
      inject: [APP_CONFIG, SettingsService, EmbeddedStubService],
      useFactory:
        (config: AppConfig, settings: SettingsService, stub: EmbeddedStubService): GatewayBaseUrl =>
        () => {
          const url = settings.current().aiGatewayUrl ?? config.gateway.url ?? stub.url;
          if (!url) throw new Error('no AI Gateway URL: set AIGW_URL');
          return url;
        },
    },
  ],
  exports: [GatewayClient, GATEWAY_BASE_URL, EmbeddedStubService],
})
export class GatewayModule {}
