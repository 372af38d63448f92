import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { rootLogger } from '../common/logging/logger';
import { startStubGateway, StubGateway } from '../stub-gateway/stub-gateway';

/**
 * With no AIGW_URL, `npm start` runs the stub AI Gateway in-process so a fresh machine has a
 * gateway to talk to. It trusts this service's tokens (via our JWKS) and says loudly what it is.
 */
@Injectable()
export class EmbeddedStubService implements OnModuleInit, OnApplicationShutdown {
  private stub?: StubGateway;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    if (this.config.gateway.url) return;
    this.stub = await startStubGateway({
      host: '127.0.0.1',
      port: 0,
      trustedIssuers: () => [this.config.http.publicUrl],
      audience: this.config.jwt.audience,
      // The twin accepts what the pinned gateway accepts and nothing more (config/aigw):
      // a catalogue model the real gateway would refuse is refused here too.
      logger: rootLogger.child({ component: 'stub-gateway' }),
    });
    rootLogger.warn(
      { stubUrl: this.stub.url },
      'AIGW_URL is not set: completions go to the BUILT-IN AI GATEWAY TWIN (canned answers, not a model; the contract of the pinned gateway). Set AIGW_URL for a real gateway.',
    );
  }

  get url(): string | undefined {
    return this.stub?.url;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stub?.close();
  }
}
