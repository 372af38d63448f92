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
import { integer } from '../common/validation/params';
import { ZodPipe } from '../common/validation/zod.pipe';
import { AuditRepository } from './audit.repository';
import {
  auditEventSchema,
  BEARER_SCHEME,
  ERROR_RESPONSES,
  PRIVATE_TOKEN_SCHEME,
  TAGS,
} from '../common/http/openapi-schemas';

const query = z.strictObject({
  entity_type: z.string().max(100).optional(),
  entity_id: z.string().max(255).optional(),
  per_page: integer(1, 100).default(20),
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
  @ApiOperation({ summary: 'Recent audit events, newest first (admin)' })
  @ApiQuery({
    name: 'entity_type',
    required: false,
    description: 'e.g. `Feature`, `Group`, `PersonalAccessToken`',
    schema: { type: 'string', maxLength: 100 },
  })
  @ApiQuery({ name: 'entity_id', required: false, schema: { type: 'string', maxLength: 255 } })
  @ApiQuery({
    name: 'per_page',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiResponse({
    status: 200,
    description: 'The events',
    schema: { type: 'array', items: auditEventSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(@Query(new ZodPipe(query)) q: z.output<typeof query>) {
    const events = await this.audit.listRecent({
      targetType: q.entity_type,
      targetId: q.entity_id,
      limit: q.per_page,
    });
    return events.map((e) => ({
      id: Number(e.id),
      author_id: e.actorId,
      author_name: e.actorName,
      entity_type: e.targetType,
      entity_id: e.targetId,
      event_name: e.action,
      details: { before: e.before, after: e.after },
      created_at: e.createdAt.toISOString(),
    }));
  }
}
