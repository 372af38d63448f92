/**
 * JSON schemas for the OpenAPI document (served at /api/docs, see openapi.ts).
 *
 * Validation is done with zod (ZodPipe), so @nestjs/swagger cannot infer request bodies: the
 * schemas below restate the controllers' zod schemas and the answers' shapes (CONTRACT.md).
 * When a zod schema changes, change its twin here; test/e2e/openapi.e2e.spec.ts checks the
 * important ones against the running app.
 */
export * from './openapi/base.schemas';
export * from './openapi/code-suggestions.schemas';
export * from './openapi/admin.schemas';
