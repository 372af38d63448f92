/**
 * Prisma's `contains` becomes `ILIKE '%' || value || '%'` without escaping the value, so a `search`
 * of `a_b` would match `axb` and `%` would match everything. GitLab's search is a plain
 * substring: escape PostgreSQL's LIKE metacharacters (backslash is its default escape character).
 */
export function containsText(term: string): { contains: string; mode: 'insensitive' } {
  return { contains: term.replace(/[\\%_]/g, (c) => `\\${c}`), mode: 'insensitive' };
}
