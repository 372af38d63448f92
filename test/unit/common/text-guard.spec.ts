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
