import { genRequestId, isSafeRequestId } from '../../../src/common/http/request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const gen = (value: string | string[] | undefined) =>
  genRequestId({ headers: { 'x-request-id': value } });

describe('X-Request-ID', () => {
  it.each([
    'abc-123',
    '01JEXAMPLE0000000000000000',
    '4bf92f3577b34da6a3ce929d0e0e4736',
    'req.log:1-a_b',
    'x'.repeat(128),
    'glpatx-1', // not a token prefix: `glpat-` needs the dash right after
  ])('%s is kept', (id) => {
    expect(isSafeRequestId(id)).toBe(true);
    expect(gen(id)).toBe(id);
  });

  it.each([
    ['too long', 'x'.repeat(129)],
    ['empty', ''],
    ['a space', 'abc 123'],
    ['a slash', 'a/b'],
    ['a quote', 'a"b'],
    ['non-ASCII', 'réq'],
    ['a newline', 'a\nb'],
    ['a personal access token', 'glpat-AbCdEf0123456789xyzw'],
    ['a token prefix in any case', 'GLPAT-AbCdEf0123456789xyzw'],
    ['a token prefix inside the value', 'req-1-glpat-AbCdEf0123'],
    ['an OAuth token', 'gloas-0123456789abcdef'],
    ['a deploy token', 'gldt-0123456789abcdef'],
    ['a runner token', 'glrt-0123456789abcdef'],
    ['a runner registration token', 'GR1348941abcdefghij'],
    ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'],
  ])('%s is replaced by a generated id', (_name, id) => {
    expect(isSafeRequestId(id)).toBe(false);
    const out = gen(id);
    expect(out).toMatch(UUID);
    if (id) expect(out).not.toContain(id);
  });

  it('a missing or repeated header gets a generated id', () => {
    expect(gen(undefined)).toMatch(UUID);
    expect(gen(['a', 'b'])).toMatch(UUID);
    expect(gen(undefined)).not.toBe(gen(undefined));
  });
});
