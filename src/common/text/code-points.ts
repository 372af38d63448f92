/**
 * Counting and cutting text in characters (Unicode code points), as GitLab's Ruby counts them,
 * not in UTF-16 units. Text without surrogates (the usual case) costs one native scan.
 */
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;
export const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
export const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Characters (Unicode code points) in a string, as Ruby's `String#length` counts them; a lone
 * surrogate counts as one. Completions are on the typing path, so text without surrogates (the
 * usual case) costs one native scan; only text with them is walked.
 */
export function codePointLength(s: string): number {
  const first = s.search(HIGH_SURROGATE);
  if (first < 0) return s.length;
  let n = s.length;
  for (let i = first; i < s.length - 1; i++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/**
 * The last `n` characters (code points, as GitLab counts them) of `s`. Text without surrogates
 * (the usual case) is one native scan and a slice; only text with them is walked.
 */
export function lastCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  if (!SURROGATE.test(s)) return s.slice(s.length - n);
  let i = s.length;
  for (let count = 0; count < n && i > 0; count++) {
    i--;
    if (i > 0 && isLowSurrogate(s.charCodeAt(i)) && isHighSurrogate(s.charCodeAt(i - 1))) i--;
  }
  return s.slice(i);
}

/** The first `n` characters (code points) of `s`; see {@link lastCodePoints}. */
export function firstCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  if (!SURROGATE.test(s)) return s.slice(0, n);
  let i = 0;
  for (let count = 0; count < n && i < s.length; count++) {
    if (isHighSurrogate(s.charCodeAt(i)) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1)))
      i += 2;
    else i++;
  }
  return s.slice(0, i);
}
