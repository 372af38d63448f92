import type { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { UpstreamFailure } from './gateway.types';

const MAX_JSON_BYTES = 10 * 1024 * 1024;

/** Lower-case names, one string per header (repeated headers joined with `, `). */
export function flatHeaders(
  h: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The answer's body with its content-encoding undone (undici, unlike axios, does not decompress);
 * errors and early closes carry over. Removes the encoding and length from `headers`.
 */
export function decodedBody(body: Readable, headers: Record<string, string>): Readable {
  const encoding = (headers['content-encoding'] ?? '').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  if (!decoder) return body;
  delete headers['content-encoding'];
  delete headers['content-length'];
  body.once('error', (err) => decoder.destroy(err));
  body.once('close', () => {
    if (!body.readableEnded) decoder.destroy(new Error('AI Gateway closed the connection early'));
  });
  decoder.once('close', () => body.destroy());
  return body.pipe(decoder);
}

/**
 * The whole answer parsed as JSON (`{}` when empty, `{message}` when not JSON), at most 10 MB.
 * Read with 'data'/'end' listeners rather than `for await`: the async iterator costs a promise
 * and a microtask per chunk, on every completion.
 */
export function readJsonBody(body: Readable): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      body.removeListener('data', onData);
      reject(err);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_JSON_BYTES) return void chunks.push(c);
      fail(new UpstreamFailure('oversized_answer', 'AI Gateway answer is too large'));
      body.destroy();
    };
    body.on('data', onData);
    body.once('error', fail);
    body.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(parseAnswer(chunks));
    });
    // Destroyed without an error (aborted): `for await` reports this as a premature close too.
    // (Checked first: 'close' follows every 'end', and an Error captures a stack trace.)
    body.once('close', () => {
      if (!settled) fail(new Error('AI Gateway answer closed before its end'));
    });
  });
}

function parseAnswer(chunks: Buffer[]): unknown {
  const text =
    chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 2000) };
  }
}
