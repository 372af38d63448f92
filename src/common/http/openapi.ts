import type { Type } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IS_PUBLIC } from '../auth/auth.decorators';
import { rootLogger } from '../logging/logger';
import { projectRoot } from '../project-root';
import { BEARER_SCHEME, PRIVATE_TOKEN_SCHEME, TAG_DESCRIPTIONS } from './openapi-schemas';
import { addRouteOperations, type RouteOperation } from './openapi/route-operations';
import { applyZodSchemas, hoistNamedSchemas, operationsOf } from './openapi/zod-openapi';

/** What the document says about this instance (passed in: common/ reads no feature config). */
export interface OpenApiSettings {
  publicUrl: string;
  gitlabVersion: string;
  /** Routes declared on Fastify itself, which @nestjs/swagger does not see. */
  routes?: readonly RouteOperation[];
}

/** Swagger UI (HTML). */
export const OPENAPI_UI_PATH = '/api/docs';
/** The OpenAPI 3 document (JSON). */
export const OPENAPI_JSON_PATH = '/api/docs-json';

/**
 * The swagger-ui-dist files the page loads, served under OPENAPI_UI_PATH. @nestjs/swagger would
 * serve them through @fastify/static, which is not installed (it would exit the process), so
 * Switchboard serves this fixed list itself.
 */
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

/**
 * Builds the OpenAPI document: routes, answers and tags from the controllers' swagger
 * decorators; request bodies and query parameters from the zod schemas that validate them.
 */
export function buildOpenApiDocument(
  app: NestFastifyApplication,
  config: OpenApiSettings,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Switchboard')
    .setDescription(
      'Control plane for AI code suggestions: the GitLab-compatible API IDE clients call (Code Suggestions, ' +
        `personal access tokens, version ${config.gitlabVersion}), the provisioning and Features admin APIs, and the ` +
        'discovery endpoints the AI Gateway verifies tokens with.\n\n' +
        'Authenticate with `PRIVATE-TOKEN: <token>`, `Authorization: Bearer <token>` or, as GitLab accepts, ' +
        '`?private_token=<token>` (personal access tokens; ' +
        'scopes `api`, `read_api`, `ai_features`). No or bad token: 401 `{"message":"401 Unauthorized"}`. ' +
        'Validation errors: 400 `{"error":"<field> <problem>"}`.',
    )
    .setVersion(packageVersion())
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer(config.publicUrl)
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'PRIVATE-TOKEN',
        description: 'A personal access token',
      },
      PRIVATE_TOKEN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Nest's addBearerAuth defaults bearerFormat to JWT; a personal access token is not one.
        bearerFormat: undefined,
        description: 'A personal access token as `Authorization: Bearer <token>`',
      },
      BEARER_SCHEME,
    )
    // Deny by default, as the global AuthGuard does; @Public() routes say `security: []`.
    .addSecurityRequirements(PRIVATE_TOKEN_SCHEME)
    .addSecurityRequirements(BEARER_SCHEME);
  for (const [name, description] of Object.entries(TAG_DESCRIPTIONS))
    builder.addTag(name, description);
  const doc = SwaggerModule.createDocument(app, builder.build());
  const controllers = controllersOf(app);
  applyZodSchemas(doc, controllers);
  addRouteOperations(doc, config.routes ?? []);
  hoistNamedSchemas(doc);
  for (const { operation, controller, method } of operationsOf(doc, controllers)) {
    const handler = (controller.prototype as Record<string, object>)[method];
    if (Reflect.getMetadata(IS_PUBLIC, handler) || Reflect.getMetadata(IS_PUBLIC, controller))
      operation.security = [];
  }
  const bearer = doc.components?.securitySchemes?.[BEARER_SCHEME] as { bearerFormat?: string };
  if (bearer) delete bearer.bearerFormat;
  return doc;
}

function controllersOf(app: NestFastifyApplication): Type[] {
  const out = new Set<Type>();
  for (const module of app.get(ModulesContainer).values())
    for (const wrapper of module.controllers.values())
      if (wrapper.metatype) out.add(wrapper.metatype as Type);
  return [...out];
}

/**
 * Serves the OpenAPI document at /api/docs-json and Swagger UI at /api/docs. The routes live on
 * the raw Fastify instance, outside Nest's global auth guard: the docs are public. The document
 * is built on the first request, so booting does not pay for it.
 */
export function setupOpenApi(app: NestFastifyApplication, config: OpenApiSettings): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app, config), {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
  });

  const fastify = app.getHttpAdapter().getInstance();
  const assetsDir = swaggerUiDist();
  if (!assetsDir)
    rootLogger.warn('swagger-ui-dist not found: /api/docs links to the JSON document only');

  const page = uiPage(assetsDir !== undefined);
  for (const url of [OPENAPI_UI_PATH, `${OPENAPI_UI_PATH}/`]) {
    fastify.get(url, (_req, reply) => {
      void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
    });
  }
  if (!assetsDir) return;

  fastify.get(`${OPENAPI_UI_PATH}/swagger-initializer.js`, (_req, reply) => {
    void reply
      .header('cache-control', 'no-cache')
      .type('application/javascript; charset=utf-8')
      .send(initializerJs());
  });
  for (const [file, type] of Object.entries(UI_ASSETS)) {
    const full = path.join(assetsDir, file);
    fastify.get(`${OPENAPI_UI_PATH}/${file}`, (_req, reply) => {
      void reply
        .header('cache-control', 'public, max-age=86400')
        .type(type)
        .send(fs.createReadStream(full));
    });
  }
}

function uiPage(withUi: boolean): string {
  if (!withUi) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchboard API</title></head>
<body><p>The OpenAPI document is at <a href="${OPENAPI_JSON_PATH}">${OPENAPI_JSON_PATH}</a>.</p></body></html>`;
  }
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Switchboard API</title>
  <link rel="stylesheet" href="${OPENAPI_UI_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${OPENAPI_UI_PATH}/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="${OPENAPI_UI_PATH}/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${OPENAPI_UI_PATH}/swagger-ui-bundle.js"></script>
  <script src="${OPENAPI_UI_PATH}/swagger-ui-standalone-preset.js"></script>
  <script src="${OPENAPI_UI_PATH}/swagger-initializer.js"></script>
</body>
</html>
`;
}

function initializerJs(): string {
  return `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(OPENAPI_JSON_PATH)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout'
  });
};
`;
}

/** swagger-ui-dist (a dependency of @nestjs/swagger), wherever npm placed it. */
function swaggerUiDist(): string | undefined {
  try {
    const from = path.dirname(require.resolve('@nestjs/swagger'));
    const dir = path.dirname(require.resolve('swagger-ui-dist/package.json', { paths: [from] }));
    return Object.keys(UI_ASSETS).every((f) => fs.existsSync(path.join(dir, f))) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
