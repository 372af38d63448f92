import { Busboy } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';

/**
 * `multipart/form-data` bodies (gitbeaker sends them on many writes) become the same object a
 * form-urlencoded body gives: field name → string (`name[]` repeated → array, as Grape reads it).
 * Busboy (the parser @fastify/multipart is built on) does the parsing; the plugin itself is not
 * used because it silently truncates an over-long field, which must be a 413 here, not a shorter
 * value that then passes validation.
 */
const LIMITS = { fields: 100, parts: 100, files: 1, fieldNameSize: 200 };

type Done = (err: Error | null, value?: unknown) => void;

function httpError(statusCode: number, message: string, code: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

export function parseMultipart(
  req: FastifyRequest,
  payload: Readable,
  maxBytes: number,
  done: Done,
): void {
  const body: Record<string, string | string[]> = Object.create(null) as Record<string, never>;
  let failed = false;
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    payload.unpipe();
    payload.resume(); // drain what is left so the connection can answer
    done(err);
  };
  let parser: InstanceType<typeof Busboy>;
  try {
    parser = new Busboy({
      headers: req.headers as { 'content-type': string },
      limits: { ...LIMITS, fieldSize: maxBytes },
    });
  } catch {
    return done(httpError(400, 'multipart body has no boundary', 'SB_BAD_MULTIPART'));
  }
  let bytes = 0;
  payload.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes) fail(httpError(413, 'body is too large', 'FST_ERR_CTP_BODY_TOO_LARGE'));
  });
  parser.on('field', (name, value, nameTruncated, valueTruncated) => {
    if (nameTruncated || valueTruncated) {
      return fail(httpError(413, `${name.slice(0, 50)} is too large`, 'SB_FIELD_TOO_LARGE'));
    }
    if (name.endsWith('[]')) {
      const key = name.slice(0, -2);
      const list = body[key];
      body[key] = Array.isArray(list) ? [...list, value] : [value];
    } else {
      body[name] = value;
    }
  });
  parser.on('file', (name, stream) => {
    stream.resume();
    fail(httpError(400, `${name.slice(0, 50)} file uploads are not accepted`, 'SB_NO_FILES'));
  });
  for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) {
    parser.on(limit, () =>
      fail(httpError(413, 'multipart body has too many parts', 'SB_TOO_MANY_PARTS')),
    );
  }
  parser.on('error', () => fail(httpError(400, 'multipart body is malformed', 'SB_BAD_MULTIPART')));
  parser.on('finish', () => {
    if (!failed) done(null, { ...body });
  });
  payload.pipe(parser);
}
