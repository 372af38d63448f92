import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { integer, MAX_ID } from '../validation/params';
import { parseOrThrow } from '../validation/zod.pipe';

/** GitLab's offset pagination: 20 per page unless asked, never more than 100. */
export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

/**
 * `page` and `per_page`, to spread into a list route's (strict) query schema. A `per_page` above
 * 100 is lowered to 100 rather than refused, as GitLab does.
 */
export const pageFields = {
  page: integer(1, MAX_ID).default(1),
  per_page: integer(1, MAX_ID)
    .default(DEFAULT_PER_PAGE)
    .transform((n) => Math.min(n, MAX_PER_PAGE)),
};
const pageSchema = z.object(pageFields);

/** One page of a list: what to skip and take, and how to tell the client about the rest. */
export class Page {
  constructor(
    readonly page: number,
    readonly perPage: number,
    private readonly req: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {}

  get skip(): number {
    return (this.page - 1) * this.perPage;
  }

  get take(): number {
    return this.perPage;
  }

  /** Sets X-Total, X-Total-Pages, X-Page, X-Per-Page, X-Next-Page, X-Prev-Page and Link. */
  answer<T>(items: T[], total: number): T[] {
    const totalPages = Math.max(1, Math.ceil(total / this.perPage));
    const next = this.page < totalPages ? this.page + 1 : undefined;
    const prev = this.page > 1 ? Math.min(this.page - 1, totalPages) : undefined;
    void this.reply.headers({
      'x-total': String(total),
      'x-total-pages': String(totalPages),
      'x-page': String(this.page),
      'x-per-page': String(this.perPage),
      'x-next-page': next === undefined ? '' : String(next),
      'x-prev-page': prev === undefined ? '' : String(prev),
      link: this.links(next, prev, totalPages),
    });
    return items;
  }

  private links(next: number | undefined, prev: number | undefined, last: number): string {
    const rels: Array<[string, number]> = [];
    if (prev !== undefined) rels.push(['prev', prev]);
    if (next !== undefined) rels.push(['next', next]);
    rels.push(['first', 1], ['last', last]);
    return rels.map(([rel, page]) => `<${this.urlFor(page)}>; rel="${rel}"`).join(', ');
  }

  /**
   * The request's own URL with another page; a token given in the query is never echoed. Behind
   * a TLS-terminating proxy the scheme comes from X-Forwarded-Proto (only the asking client sees
   * the link, so trusting its header cannot mislead anyone else).
   */
  private urlFor(page: number): string {
    const forwarded = this.req.headers['x-forwarded-proto'];
    const scheme = forwarded === 'https' || forwarded === 'http' ? forwarded : this.req.protocol;
    const url = new URL(this.req.url, `${scheme}://${this.req.host}`);
    url.pathname = url.pathname.replace(/\/{2,}/g, '/');
    for (const name of ['private_token', 'page', 'per_page']) url.searchParams.delete(name);
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(this.perPage));
    return url.toString();
  }
}

/** `@Pagination() page: Page` in a list handler: validated `page`/`per_page` (400 naming them). */
export const Pagination = createParamDecorator((_: unknown, ctx: ExecutionContext): Page => {
  const http = ctx.switchToHttp();
  const req = http.getRequest<FastifyRequest>();
  const query = (req.query ?? {}) as Record<string, unknown>;
  const { page, per_page } = parseOrThrow(pageSchema, {
    page: query.page,
    per_page: query.per_page,
  });
  return new Page(page, per_page, req, http.getResponse<FastifyReply>());
});
