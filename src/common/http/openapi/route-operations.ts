import type { ApiResponseOptions, OpenAPIObject } from '@nestjs/swagger';
import type {
  HeadersObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { z } from 'zod';
import { zodToOpenApi } from './zod-openapi';

/**
 * The OpenAPI operation of a route that is declared on Fastify itself, not by a Nest controller
 * (the completions route, on the typing path: see src/code-suggestions/completions.route.ts).
 * @nestjs/swagger only sees controllers, so such a route says here what its decorators would
 * have said; the request body comes from the zod schema that validates it, as for every other
 * route, and the answers reuse the same response options the controllers pass to @ApiResponse.
 */
export interface RouteOperation {
  readonly method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  readonly path: string;
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
  /** The zod schema that validates the body, and the component it is published as. */
  readonly body: { readonly schema: z.ZodType; readonly name: string };
  readonly headers?: ReadonlyArray<{ name: string; description: string; required: boolean }>;
  readonly responses: readonly ApiResponseOptions[];
  /** Security scheme names, any one of which authenticates (deny by default). */
  readonly security: readonly string[];
}

/** The fields of an @ApiResponse option that the completions answers use. */
interface ResponseOption {
  status?: number | string;
  description?: string;
  schema?: SchemaObject | ReferenceObject;
  content?: Record<string, { schema: SchemaObject | ReferenceObject }>;
  headers?: HeadersObject;
}

/** As @nestjs/swagger writes an @ApiResponse: a bare `schema` is the JSON body. */
function responseObject(option: ResponseOption): ResponseObject {
  const content =
    option.content ??
    (option.schema ? { 'application/json': { schema: option.schema } } : undefined);
  return {
    description: option.description ?? '',
    ...(option.headers ? { headers: option.headers } : {}),
    ...(content ? { content } : {}),
  };
}

function operationObject(route: RouteOperation): OperationObject {
  const ref = { $ref: `#/components/schemas/${route.body.name}` };
  const responses: Record<string, ResponseObject> = {};
  const options = route.responses as readonly ResponseOption[];
  for (const option of [...options].sort((a, b) => Number(a.status) - Number(b.status)))
    responses[String(option.status)] = responseObject(option);
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [...route.tags],
    parameters: (route.headers ?? []).map((h) => ({
      name: h.name,
      in: 'header' as const,
      description: h.description,
      required: h.required,
      schema: { type: 'string' },
    })),
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: ref },
        'application/x-www-form-urlencoded': { schema: ref },
      },
    },
    responses,
    security: route.security.map((scheme) => ({ [scheme]: [] })),
  };
}

/**
 * Adds the operations to `doc` (before `hoistNamedSchemas`, which names the answers' schemas).
 * A path or component that is already there is a programming error: refused, not overwritten.
 */
export function addRouteOperations(doc: OpenAPIObject, routes: readonly RouteOperation[]): void {
  const schemas = (doc.components ??= {}).schemas ?? {};
  for (const route of routes) {
    const item = (doc.paths[route.path] ??= {}) as Record<string, unknown>;
    if (item[route.method] || schemas[route.body.name])
      throw new Error(`OpenAPI: ${route.method.toUpperCase()} ${route.path} is declared twice`);
    item[route.method] = operationObject(route);
    schemas[route.body.name] = zodToOpenApi(route.body.schema);
  }
  doc.components.schemas = schemas;
}
