import {
  codePointLength,
  firstCodePoints,
  lastCodePoints,
} from '../../../src/common/text/code-points';
import { completionInputSchema } from '../../../src/code-suggestions/completion-input.schema';

/** GitLab (Ruby) counts characters as code points; an emoji is one character, two UTF-16 units. */
describe('characters are code points', () => {
  const emoji = '\u{1F600}';

  it('counts code points, a lone surrogate as one', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength(emoji.repeat(160_000))).toBe(160_000);
    expect(codePointLength(`a${emoji}b\uD800c\uDC00`)).toBe(6);
  });

  it('cuts the last / first n code points without splitting a pair', () => {
    const s = `ab${emoji}${emoji}cd`;
    expect(lastCodePoints(s, 3)).toBe(`${emoji}cd`);
    expect(firstCodePoints(s, 3)).toBe(`ab${emoji}`);
    expect(lastCodePoints(emoji.repeat(150_000), 100_000)).toBe(emoji.repeat(100_000));
    expect(firstCodePoints(emoji.repeat(150_000), 100_000)).toBe(emoji.repeat(100_000));
    expect(lastCodePoints('x'.repeat(10), 4)).toBe('xxxx');
    expect(firstCodePoints('short', 100)).toBe('short');
  });

  it('field limits count code points: 255 emoji is a valid file name, 256 is too long', () => {
    const body = (fileName: string, above = '') => ({
      current_file: { file_name: fileName, content_above_cursor: above },
    });
    expect(completionInputSchema.safeParse(body(emoji.repeat(255))).success).toBe(true);
    expect(completionInputSchema.safeParse(body(emoji.repeat(256))).success).toBe(false);
    expect(completionInputSchema.safeParse(body('a', emoji.repeat(400_000))).success).toBe(true);
    expect(completionInputSchema.safeParse(body('a', emoji.repeat(400_001))).success).toBe(false);
  });
});
