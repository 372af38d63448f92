import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Public } from '../common/auth/auth.decorators';
import { DomainError } from '../common/errors/domain-error';
import { projectRoot } from '../common/project-root';

/** Where `npm run build` (scripts/build-console.js) writes the bundled console. */
export const CONSOLE_DIST = () => path.join(projectRoot(), 'dist', 'console');

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** No inline script or style, nothing from elsewhere: the console talks to this origin only. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built console: three fixed files, held in memory after the first read. A whitelist
 * rather than @fastify/static: nothing to traverse, and no plugin to register in the shared
 * bootstrap. The page itself is public (it holds no data); every API it calls needs an admin token.
 */
@Controller('admin')
@ApiExcludeController()
@Public()
export class ConsoleAssetsController {
  private readonly cache = new Map<string, Buffer>();

  @Get()
  page(@Res() reply: FastifyReply): void {
    this.send(reply, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): void {
    if (!Object.hasOwn(FILES, file)) throw DomainError.notFound('Console file');
    this.send(reply, file);
  }

  private send(reply: FastifyReply, file: string): void {
    let body = this.cache.get(file);
    if (!body) {
      const p = path.join(CONSOLE_DIST(), file);
      if (!fs.existsSync(p)) {
        throw new DomainError('service_unavailable', 'The console is not built: run npm run build');
      }
      body = fs.readFileSync(p);
      this.cache.set(file, body);
    }
    void reply
      .header('content-type', FILES[file])
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(body);
  }
}
