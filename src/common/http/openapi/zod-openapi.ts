import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ApiBody, type OpenAPIObject } from '@nestjs/swagger';
import type {
  ParameterObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { ZodPipe } from '../../validation/zod.pipe';

/**
 * The OpenAPI request bodies and query parameters come from the zod schemas that validate them:
 * the schema of a route's `@Body(new ZodPipe(schema))` / `@Query(new ZodPipe(schema))`, or, for a
 * handler that parses its body itself, the schema named with `@ApiZodBody(schema)`. Each becomes
 * a named component (`#/components/schemas/<Name>`), converted by zod 4's own `z.toJSONSchema`.
 * One edit to a zod schema changes the validation and the document together.
 */

const ZOD_BODY = 'switchboard:openapi-zod-body';

/** For handlers that take `@Body() body: unknown` and parse it themselves. */
export const ApiZodBody = (schema: z.ZodType, options: { required?: boolean } = {}) =>
  applyDecorators(
    SetMetadata(ZOD_BODY, schema),
    ApiBody({ schema: { type: 'object' }, required: options.required ?? true }),
  );

/** `io: 'input'`: the document describes what a client sends, before transforms and defaults. */
export function zodToOpenApi(schema: z.ZodType): SchemaObject {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
  }) as SchemaObject & { $schema?: string };
  delete json.$schema;
  return json;
}

interface RouteArg {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

function zodOfArg(controller: Type, method: string, kind: RouteParamtypes): z.ZodType | undefined {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
    string,
    RouteArg
  >;
  for (const [key, arg] of Object.entries(args)) {
    if (key.split(':')[0] !== String(kind) || arg.data !== undefined) continue;
    const pipe = arg.pipes?.find((p): p is ZodPipe<z.ZodType> => p instanceof ZodPipe);
    if (pipe) return pipe.schema;
  }
  return undefined;
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export interface DocOperation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  parameters?: ParameterObject[];
}

/**
 * Every operation of `doc` with the controller class and method that serve it, matched by
 * @nestjs/swagger's operationId `<Class>_<method>`.
 */
export function* operationsOf(
  doc: OpenAPIObject,
  controllers: Type[],
): Generator<{ operation: DocOperation; controller: Type; method: string }> {
  const byName = new Map(controllers.map((c) => [c.name, c]));
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item as Record<string, unknown>)) {
      const operation = op as DocOperation;
      const [cls, method] = (operation.operationId ?? '').split('_');
      const controller = byName.get(cls);
      if (controller && method) yield { operation, controller, method };
    }
  }
}

/**
 * Fills `doc` (built by @nestjs/swagger from the decorators) with the bodies and query
 * parameters of the zod schemas, as named components.
 */
export function applyZodSchemas(doc: OpenAPIObject, controllers: Type[]): void {
  const names = new Map<z.ZodType, string>();
  const schemas: Record<string, SchemaObject> = {};
  const component = (schema: z.ZodType, fallback: string) => {
    let name = names.get(schema);
    if (!name) {
      name = fallback;
      names.set(schema, name);
      schemas[name] = zodToOpenApi(schema);
    }
    return { $ref: `#/components/schemas/${name}` };
  };

  for (const { operation, controller, method } of operationsOf(doc, controllers)) {
    const base = pascal(controller.name.replace(/Controller$/, '')) + pascal(method);
    const handler = (controller.prototype as Record<string, object>)[method];
    const body =
      (Reflect.getMetadata(ZOD_BODY, handler) as z.ZodType | undefined) ??
      zodOfArg(controller, method, RouteParamtypes.BODY);
    if (body) {
      const ref = component(body, `${base}Request`);
      // @nestjs/swagger leaves a body typed `z.output<…>` out; @ApiBody may have said `required`.
      operation.requestBody ??= { required: true };
      operation.requestBody.content = {
        'application/json': { schema: ref },
        'application/x-www-form-urlencoded': { schema: ref },
      };
    }
    const query = zodOfArg(controller, method, RouteParamtypes.QUERY);
    if (query) operation.parameters = queryParameters(operation.parameters ?? [], query);
  }
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, ...schemas } };
}

/**
 * One query parameter per property of the zod object (the decorators' descriptions are kept);
 * parameters the zod object does not name are left as the decorators declared them.
 */
function queryParameters(existing: ParameterObject[], schema: z.ZodType): ParameterObject[] {
  const json = zodToOpenApi(schema);
  const required = new Set(json.required ?? []);
  const derived = new Set(Object.keys(json.properties ?? {}));
  // Query parameters the zod schema does not cover (e.g. page/per_page read elsewhere) stay.
  const others = existing.filter((p) => p.in !== 'query' || !derived.has(p.name));
  const described = new Map(existing.filter((p) => p.in === 'query').map((p) => [p.name, p]));
  const fromZod = Object.entries(json.properties ?? {}).map(([name, s]) => ({
    ...described.get(name),
    name,
    in: 'query' as const,
    required: required.has(name),
    schema: s,
  }));
  return [...others, ...fromZod];
}

/**
 * The answers' schemas are objects shared by many decorators; `nameSchemas` gives each a title
 * and `hoistNamedSchemas` moves every titled schema of the document into
 * `#/components/schemas/<title>`, leaving a `$ref` where it was used.
 */
export function nameSchemas(named: Record<string, SchemaObject>): void {
  for (const [name, schema] of Object.entries(named)) schema.title = name;
}

export function hoistNamedSchemas(doc: OpenAPIObject): void {
  const components: Record<string, SchemaObject> = { ...doc.components?.schemas } as Record<
    string,
    SchemaObject
  >;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== 'object') return node;
    const entries = Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, visit(v)]);
    const copy = Object.fromEntries(entries) as Record<string, unknown>;
    const title = copy.title;
    if (typeof title !== 'string' || '$ref' in copy) return copy;
    components[title] ??= copy as SchemaObject;
    return { $ref: `#/components/schemas/${title}` };
  };
  doc.paths = visit(doc.paths) as OpenAPIObject['paths'];
  doc.components = { ...doc.components, schemas: components };
}
