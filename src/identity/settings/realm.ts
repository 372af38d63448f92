import type { Realm } from '../../generated/prisma/client';

/** How the realm is spelt on the wire (API, identity headers, token claims). */
export type WireRealm = 'saas' | 'self-managed';

export const WIRE_REALMS = ['saas', 'self-managed'] as const satisfies readonly WireRealm[];

/** The one mapping between the stored realm (`self_managed`) and the wire's (`self-managed`). */
export const realmOf = (s: { gitlabRealm: Realm }): WireRealm =>
  s.gitlabRealm === 'self_managed' ? 'self-managed' : 'saas';

export const storedRealm = (wire: WireRealm): Realm =>
  wire === 'self-managed' ? 'self_managed' : 'saas';
