import { z } from 'zod';

/**
 * PUBLIC_URL is the tokens' issuer and where the AI Gateway finds our keys. The gateway looks up
 * `/.well-known/openid-configuration` by joining that absolute path onto the URL it knows us by
 * (Python's urljoin), which drops any path: `https://h/sb` is looked up at
 * `https://h/.well-known/...`. So a PUBLIC_URL with a path (or query, or fragment) is refused at
 * boot rather than accepted and failing every token later.
 */
export const publicUrlWithoutPath = z.string().refine((u) => /^https?:\/\/[^/?#]+$/.test(u), {
  message:
    'must have no path: the AI Gateway looks up /.well-known/openid-configuration at the root of its host (it joins that absolute path onto the URL, dropping the path); serve Switchboard at the root of a host',
});
