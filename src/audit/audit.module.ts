import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';

@Global()
@Module({
  providers: [AuditRepository],
  controllers: [AuditController],
  exports: [AuditRepository],
})
export class AuditModule {}
