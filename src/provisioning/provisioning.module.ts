import { Module } from '@nestjs/common';
import { InitialDataRepository } from './initial-data.repository';
import { InitialDataService } from './initial-data.service';

@Module({ providers: [InitialDataService, InitialDataRepository] })
export class ProvisioningModule {}
