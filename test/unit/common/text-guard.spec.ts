import Fastify from 'fastify';
import pino from 'pino';
import { configureFastify } from '../../../src/common/http/fastify-setup';
import { hostName } from '../../../src/common/validation/params';
import { fieldWithNul } from '../../../src/common/validation/text-guard';

describe('fieldWithNul: the one NUL check (names the field, Grape style)', () => {
  it.each([
    [{ username: 'ok' }, undefined],
    [{ username: 'a\u0000' }, 'username'],
    [{ user: { name: ['x', 'y\u0000'] } }, 'user[name][1]'],
    [{ current_file: { file_name: '\u0000' } }, 'current_file[file_name]'],
    [{ 'k\u0000': 1 }, 'body'],
    [{ a: { 'k\u0000': 1 } }, 'a'],
    ['\u0000', 'body'],
    [{ n: 1, b: true, z: null }, undefined],
  ])('%j → %s', (value, field) => {
    expect(fieldWithNul(value)).toBe(field);
  });
});

describe('hostName: what HTTP headers can carry, IDN as punycode', () => {
  it.each([
    ['gitlab.例え.jp', 'gitlab.xn--r8jz45g.jp'],
    ['GitLab.Example.COM', 'gitlab.example.com'],
    ['gitlab.example.com.', 'gitlab.example.com'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (input, stored) => {
    expect(hostName.parse(input)).toBe(stored);
  });

  it.each(['a b', 'x:80', 'a/b', '-a.com', 'a-.com', 'a..b', 'a_b.com', 'x'.repeat(64), '\u0000'])(
    '%j is refused',
    (input) => {
      expect(hostName.safeParse(input).success).toBe(false);
    },
  );
});

describe('the text guard on JSON bodies (the parser says when the text has no \\u0000)', () => {
  async function post(raw: string) {
    const fastify = Fastify();
    configureFastify(fastify, pino({ level: 'silent' }));
    fastify.post('/echo', (req) => ({ body: req.body }));
    const res = await fastify.inject({
      method: 'POST',
      url: '/echo',
      // A body needs a credential (the request limits); this route checks none.
      headers: { 'content-type': 'application/json', 'private-token': 'any' },
      payload: raw,
    });
    await fastify.close();
    return [res.statusCode, res.json()];
  }

  it.each([
    [
      'an escaped NUL',
      '{"a":{"b":"x\\u0000"}}',
      [400, { error: 'a[b] must not contain a NUL character' }],
    ],
    [
      'an escaped NUL in a key',
      '{"k\\u0000":1}',
      [400, { error: 'body must not contain a NUL character' }],
    ],
    ['a backslash then "u0000" (no NUL)', '{"a":"\\\\u0000"}', [200, { body: { a: '\\u0000' } }]],
    ['no NUL at all', '{"a":["x","y"]}', [200, { body: { a: ['x', 'y'] } }]],
  ])('%s', async (_name, raw, expected) => {
    expect(await post(raw)).toEqual(expected);
  });
});
