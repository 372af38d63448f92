import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { ZodPipe } from '../common/validation/zod.pipe';
import { AuditRepository } from './audit.repository';

const query = z.strictObject({
  entity_type: z.string().max(100).optional(),
  entity_id: z.string().max(255).optional(),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
});

/** GET /api/v4/audit_events (admin), newest first. */
@Controller('api/v4/audit_events')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @AdminOnly()
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
