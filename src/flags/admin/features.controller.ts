import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly, CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { ZodPipe } from '../../common/validation/zod.pipe';
import { actorOf } from '../../identity/users/users.service';
import { FlagsService } from '../flags.service';
import { FeatureAdminService } from './feature-admin.service';
import { setFeatureSchema, SetFeatureParams } from './feature-params';
import { presentFeature } from './feature.presenter';

const evaluateQuery = z.strictObject({
  user: z.string().min(1).max(255),
  project: z.string().min(1).max(1000).optional(),
});

/** GitLab's Features API (admin tokens), so python-gitlab's `gl.features` works unmodified. */
@Controller('api/v4/features')
@AdminOnly()
export class FeaturesController {
  constructor(
    private readonly flags: FlagsService,
    private readonly admin: FeatureAdminService,
  ) {}

  @Get()
  list() {
    return this.flags.list().map((s) => presentFeature(s, this.flags.definition(s.name)));
  }

  @Get('definitions')
  definitions() {
    return [...this.flags.definitions.values()].map((d) => presentFeature(this.flags.get(d.name), d).definition);
  }

  @Get(':name')
  get(@Param('name') name: string) {
    return presentFeature(this.flags.get(name), this.flags.definitions.get(name));
  }

  @Post(':name')
  @HttpCode(201)
  async set(
    @Param('name') name: string,
    @Body(new ZodPipe(setFeatureSchema)) params: SetFeatureParams,
    @CurrentPrincipal() p: Principal,
  ) {
    const state = await this.admin.set(name, params, actorOf(p));
    return presentFeature(state, this.flags.definition(name));
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.flags.remove(name, actorOf(p));
  }

  @Get(':name/evaluate')
  evaluate(@Param('name') name: string, @Query(new ZodPipe(evaluateQuery)) q: z.output<typeof evaluateQuery>) {
    return this.admin.evaluate(name, q.user, q.project);
  }
}
