import { createHash, randomBytes } from 'node:crypto';

/** Personal access token secrets look like GitLab's (`glpat-…`) and are stored only as sha256. */
export function newTokenSecret(): string {
  return `glpat-${randomBytes(20).toString('base64url')}`;
}

export function tokenDigest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
