/**
 * Building blocks of the OpenAPI document (served at /api/docs, see openapi.ts): security
 * schemes, tags, error answers and the admin APIs' answers. Request bodies and query parameters
 * are not written here: they are derived from the zod schemas that validate them
 * (openapi/zod-openapi.ts).
 */
export * from './openapi/base.schemas';
export * from './openapi/admin.schemas';
export * from './openapi/keys-health.schemas';
