import { PassThrough, Readable } from 'node:stream';
import { readJsonBody } from '../../../src/gateway/upstream-body';
import { UpstreamFailure } from '../../../src/gateway/gateway.types';

const from = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

describe('readJsonBody', () => {
  it.each([
    ['one chunk', ['{"a":1}'], { a: 1 }],
    ['split across chunks (a code point too)', ['{"text":"caf', 'é', '"}'], { text: 'café' }],
    ['empty', [], {}],
    ['not JSON', ['upstream exploded'], { message: 'upstream exploded' }],
  ])('%s', async (_name, chunks, expected) => {
    expect(await readJsonBody(from(...chunks))).toEqual(expected);
  });

  it('refuses an answer over 10 MB and stops reading it', async () => {
    const body = new PassThrough();
    const read = readJsonBody(body);
    const mb = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 11 && !body.destroyed; i++) body.write(mb);
    await expect(read).rejects.toMatchObject({ reason: 'oversized_answer' });
    await expect(read).rejects.toBeInstanceOf(UpstreamFailure);
    expect(body.destroyed).toBe(true);
  });

  it('rejects with the stream error, and on a close before the end', async () => {
    const broken = new PassThrough();
    const first = readJsonBody(broken);
    broken.write('{"a":');
    broken.destroy(new Error('socket hang up'));
    await expect(first).rejects.toThrow('socket hang up');

    const aborted = new PassThrough();
    const second = readJsonBody(aborted);
    aborted.write('{"a":');
    aborted.destroy();
    await expect(second).rejects.toThrow('closed before its end');
  });
});
