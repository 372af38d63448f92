import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api } from './api';

/**
 * What the signed-in token may do. The console's reads need `api` or `read_api` (GET routes
 * accept either); every change needs `api`. The scopes come from the token itself
 * (GET /api/v4/personal_access_tokens/self, as in GitLab).
 */
export interface Access {
  scopes: string[];
  readOnly: boolean;
  /** Why changes are off, shown next to every disabled Apply. */
  reason: string;
}

export const AccessContext = createContext<Access>({ scopes: [], readOnly: false, reason: '' });
export const useAccess = () => useContext(AccessContext);

/** The token's access, or why the console cannot be used with it at all. */
export function accessOf(scopes: string[]): Access | { refused: string } {
  if (scopes.includes('api')) return { scopes, readOnly: false, reason: '' };
  const has = scopes.join(', ') || 'none';
  if (scopes.includes('read_api'))
    return {
      scopes,
      readOnly: true,
      reason: `Read-only: this token's scopes are ${has}; changes need a token with the api scope.`,
    };
  return {
    refused: `Refused: this token's scopes are ${has}; the console needs api (or read_api to look only).`,
  };
}

export async function loadAccess(token?: string): Promise<Access | { refused: string }> {
  const self = await api<{ scopes: string[] }>(
    'GET',
    '/api/v4/personal_access_tokens/self',
    undefined,
    token,
  );
  return accessOf(self.scopes);
}

/** The reason changes are off, for a page or dialog that offers one. */
export function ReadOnlyReason() {
  const access = useAccess();
  return access.readOnly ? (
    <p class="readonly" data-testid="readonly-reason">
      {access.reason}
    </p>
  ) : null;
}
