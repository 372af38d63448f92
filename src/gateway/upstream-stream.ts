import { PassThrough, type Readable } from 'node:stream';
import { rootLogger } from '../common/logging/logger';

/** The bulkhead lane of a call: the model its body names, else its path. */
export function laneOf(path: string, body: unknown): string {
  if (body !== null && typeof body === 'object') {
    const b = body as {
      model_provider?: unknown;
      model_name?: unknown;
      model_metadata?: { provider?: unknown; name?: unknown };
    };
    if (typeof b.model_provider === 'string' && typeof b.model_name === 'string')
      return `${b.model_provider}/${b.model_name}`;
    const m = b.model_metadata;
    if (m && typeof m.provider === 'string' && typeof m.name === 'string')
      return `${m.provider}/${m.name}`;
  }
  return path;
}

/**
 * The upstream stream as the client reads it, ended cleanly (and the upstream call cancelled)
 * when the gateway sends nothing for `idleMs`. Only upstream silence counts: while the client is
 * slow to read (our buffer is full), the wait is the client's, not the gateway's.
 * `onDone` runs once when the stream is over, however it ends.
 */
export function idleGuardedStream(source: Readable, idleMs: number, onDone: () => void): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  // Set when we end the stream ourselves: the upstream body then reports its own destruction as
  // an error (undici: RequestAbortedError), which must not turn the clean end into a failure.
  let cut = false;
  const done = () => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    onDone();
  };
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onIdle, idleMs);
    timer.unref?.();
  };
  const onIdle = () => {
    if (out.writableNeedDrain) return arm();
    rootLogger.warn({ idleMs }, 'AI Gateway stream went silent; ending it and cancelling upstream');
    cut = true;
    source.unpipe(out);
    source.destroy();
    out.end();
  };
  source.on('data', arm);
  source.on('error', (err) => {
    if (!cut) out.destroy(err);
  });
  source.once('close', () => {
    if (!source.readableEnded && !out.writableEnded)
      out.destroy(new Error('AI Gateway closed the stream early'));
  });
  // The client went away (or the stream is over): stop the upstream call too.
  out.once('close', () => {
    source.destroy();
    done();
  });
  out.once('end', done);
  source.pipe(out);
  arm();
  return out;
}
