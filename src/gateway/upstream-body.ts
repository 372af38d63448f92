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

/** The whole answer parsed as JSON (`{}` when empty, `{message}` when not JSON), at most 10 MB. */
export async function readJsonBody(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of body as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_JSON_BYTES) {
      body.destroy();
      throw new UpstreamFailure('oversized_answer', 'AI Gateway answer is too large');
    }
    chunks.push(c);
  }
  const text =
    chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 2000) };
  }
}
