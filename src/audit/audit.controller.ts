import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { Page, pageFields, Pagination } from '../common/http/pagination';
import { ZodPipe } from '../common/validation/zod.pipe';
import { AuditEventView, AuditRepository } from './audit.repository';
import {
  ApiPagination,
  auditEventSchema,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PAGINATION_DESCRIPTION,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';

const query = z.strictObject({
  entity_type: z.string().max(100).optional(),
  entity_id: z.string().max(255).optional(),
  ...pageFields,
});

/** GET /api/v4/audit_events (admin), newest first. */
@Controller('api/v4/audit_events')
@ApiTags(TAGS.audit)
@ApiSecurity(PRIVATE_TOKEN_SCHEME)
@ApiBearerAuth(BEARER_SCHEME)
@ApiResponse(ERROR_RESPONSES.unauthorized)
@ApiResponse(ERROR_RESPONSES.adminOnly)
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'Recent audit events, newest first (admin)',
    description: PAGINATION_DESCRIPTION,
  })
  @ApiQuery({
    name: 'entity_type',
    required: false,
    description: 'e.g. `Feature`, `Group`, `PersonalAccessToken`',
    schema: { type: 'string', maxLength: 100 },
  })
  @ApiQuery({ name: 'entity_id', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The events',
    schema: { type: 'array', items: auditEventSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(@Query(new ZodPipe(query)) q: z.output<typeof query>, @Pagination() page: Page) {
    const { items, total } = await this.audit.findPage(
      { targetType: q.entity_type, targetId: q.entity_id },
      page,
    );
    return page.answer(items.map(presentEvent), total);
  }
}

function presentEvent(e: AuditEventView) {
  return {
    id: Number(e.id),
    author_id: e.actorId,
    author_name: e.actorName,
    entity_type: e.targetType,
    entity_id: e.targetId,
    event_name: e.action,
    details: { before: e.before, after: e.after },
    created_at: e.createdAt.toISOString(),
  };
}
