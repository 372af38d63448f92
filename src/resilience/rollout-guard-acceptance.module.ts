import { Module } from '@nestjs/common';
import { AcceptanceModule } from '../acceptance/acceptance.module';
import { AcceptanceService } from '../acceptance/acceptance.service';
import { ACCEPTANCE_SOURCE } from './acceptance-guard';

/**
 * Gives the rollout guard the acceptance rollup. AcceptanceModule sits above the guard's module
 * (it needs the routing, which needs the guard), so the link is made here, imported only by the
 * application module; the guard looks the token up when it starts.
 */
@Module({
  imports: [AcceptanceModule],
  providers: [{ provide: ACCEPTANCE_SOURCE, useExisting: AcceptanceService }],
})
export class RolloutGuardAcceptanceModule {}
