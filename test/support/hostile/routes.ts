import { OPENAPI_JSON_PATH } from '../../../src/common/http/openapi';

export interface RouteShape {
  method: string;
  /** OpenAPI template, e.g. `/api/v4/users/{id}`. */
  template: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: string[];
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

/**
 * Every route the app serves, from its own OpenAPI document (generated from the controllers, so
 * a route added later is covered without touching the tests).
 */
export async function enumerateRoutes(baseUrl: string): Promise<RouteShape[]> {
  const res = await fetch(baseUrl + OPENAPI_JSON_PATH);
  const doc = (await res.json()) as { paths: Record<string, Record<string, OpenApiOperation>> };
  const routes: RouteShape[] = [];
  for (const [template, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const params = op.parameters ?? [];
      const json = op.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        template,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: Object.keys(json?.properties ?? {}),
      });
    }
  }
  return routes;
}
