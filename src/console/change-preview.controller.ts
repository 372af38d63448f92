import { Body, Controller, Delete, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { ApiZodBody } from '../common/http/openapi/zod-openapi';
import {
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';
import { ZodPipe } from '../common/validation/zod.pipe';
import {
  parseSetFeature,
  removeFeatureSchema,
  setFeatureSchema,
} from '../flags/admin/feature-params';
import { ChangePreviewService } from './change-preview.service';

const NAME = {
  name: 'name',
  description: 'Flag name (defined in config/feature_flags/<type>/<name>.yml)',
  example: 'code_completion_v4_endpoint',
};
const PREVIEW = {
  status: 200,
  description:
    '`{ flag, state_before, state_after, gates_after, seated_users, on_before, on_after, unseated_users, effect }`: ' +
    'the users with a seat the flag is on for (on every request) before and after, and the sentence the console shows',
};

/**
 * Dry runs of Features API writes for the console's confirmations: the same request under
 * `/api/v4/admin/console/preview`, validated exactly as the write (the same 400, 404), nothing
 * written, answered with the computed effect.
 */
@Controller('api/v4/admin/console/preview/features')
@AdminOnly()
@ApiTags(TAGS.console)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class ChangePreviewController {
  constructor(private readonly preview: ChangePreviewService) {}

  @Post(':name')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What `POST /api/v4/features/:name` with this body would do (nothing is written)',
  })
  @ApiParam(NAME)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiZodBody(setFeatureSchema)
  @ApiResponse(PREVIEW)
  @ApiResponse({
    ...ERROR_RESPONSES.badRequest,
    description: 'What the write would refuse: a bad value, unknown users, groups or projects',
  })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  set(@Param('name') name: string, @Body() body: unknown, @Query() query: unknown) {
    return this.preview.set(name, parseSetFeature(body, query));
  }

  @Delete(':name')
  @HttpCode(200)
  @ApiOperation({
    summary: 'What `DELETE /api/v4/features/:name` would do (nothing is removed)',
  })
  @ApiParam(NAME)
  @ApiResponse(PREVIEW)
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: 'No such flag definition' })
  remove(
    @Param('name') name: string,
    @Query(new ZodPipe(removeFeatureSchema)) _q: z.output<typeof removeFeatureSchema>,
  ) {
    return this.preview.remove(name);
  }
}
