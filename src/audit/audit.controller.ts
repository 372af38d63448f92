import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import { AdminOnly } from '../common/auth/auth.decorators';
import { Page, pageFields, Pagination } from '../common/http/pagination';
import { ZodPipe } from '../common/validation/zod.pipe';
import { IdPipe } from '../common/validation/params';
import { DomainError } from '../common/errors/domain-error';
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

/** ISO 8601 date or date-time (`2026-12-07`, `2026-12-07T10:00:00Z`), as GitLab's filters take. */
const isoTime = z
  .string()
  .max(40)
  .regex(
    /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/,
    'must be an ISO 8601 date or time',
  )
  .transform((s, ctx) => {
    const d = new Date(s.length === 10 ? `${s}T00:00:00Z` : s);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date or time' });
      return z.NEVER;
    }
    return d;
  });

/**
 * Unknown parameters are ignored, as Grape does: python-gitlab's CLI sends `all=False` (and
 * `get_all`) on every list.
 */
const query = z.object({
  entity_type: z.string().max(100).optional(),
  entity_id: z.string().max(255).optional(),
  created_after: isoTime.optional(),
  created_before: isoTime.optional(),
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
  @ApiQuery({
    name: 'created_after',
    required: false,
    description: 'Only events at or after this time (ISO 8601)',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'created_before',
    required: false,
    description: 'Only events at or before this time (ISO 8601)',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiPagination()
  @ApiResponse({
    status: 200,
    description: 'The events',
    schema: { type: 'array', items: auditEventSchema },
  })
  @ApiResponse(ERROR_RESPONSES.badRequest)
  async list(@Query(new ZodPipe(query)) q: z.output<typeof query>, @Pagination() page: Page) {
    const { items, total } = await this.audit.findPage(
      {
        targetType: q.entity_type,
        targetId: q.entity_id,
        createdAfter: q.created_after,
        createdBefore: q.created_before,
      },
      page,
    );
    const names = await this.audit.namesOf(items.flatMap(references));
    return page.answer(
      items.map((e) => presentEvent(e, names)),
      total,
    );
  }

  @Get(':id')
  @AdminOnly()
  @ApiOperation({ summary: 'One audit event (admin)' })
  @ApiParam({ name: 'id', description: 'Event id', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 200, description: 'The event', schema: auditEventSchema })
  @ApiResponse({ ...ERROR_RESPONSES.badRequest, description: '`id is invalid`' })
  @ApiResponse({ ...ERROR_RESPONSES.notFound, description: '`404 Audit Event Not Found`' })
  async get(@Param('id', new IdPipe()) id: number) {
    const event = await this.audit.findById(id);
    if (!event) throw DomainError.notFound('Audit Event');
    return presentEvent(event, await this.audit.namesOf(references(event)));
  }
}

/** The `User:2`, `Group:1`, `Project:3` an event mentions: its target and the ids in its details. */
function references(e: AuditEventView): string[] {
  const refs = new Set<string>();
  if (['User', 'Group', 'Project'].includes(e.targetType))
    refs.add(`${e.targetType}:${e.targetId}`);
  const details = JSON.stringify([e.before ?? null, e.after ?? null]);
  for (const m of details.matchAll(/"((?:User|Group|Project):\d{1,10})"/g)) refs.add(m[1]);
  return [...refs];
}

function presentEvent(e: AuditEventView, names: Record<string, string>) {
  const mine = Object.fromEntries(
    references(e)
      .filter((r) => names[r] !== undefined)
      .map((r) => [r, names[r]]),
  );
  return {
    id: Number(e.id),
    author_id: e.actorId,
    author_name: e.actorName,
    entity_type: e.targetType,
    entity_id: e.targetId,
    event_name: e.action,
    details: { before: e.before, after: e.after },
    created_at: e.createdAt.toISOString(),
    names: mine,
  };
}
