import type { Realm } from '../../generated/prisma/client';

/** How the realm is spelt on the wire (API, identity headers, token claims). */
export type WireRealm = 'saas' | 'self-managed';

export const WIRE_REALMS = ['saas', 'self-managed'] as const satisfies readonly WireRealm[];

/** The one mapping between the stored realm (`self_managed`) and the wire's (`self-managed`). */
export const realmOf = (s: { gitlabRealm: Realm }): WireRealm =>
  s.gitlabRealm === 'self_managed' ? 'self-managed' : 'saas';

/**
 * GitLab's `X-Gitlab-Deployment-Type` (CloudConnector.deployment_type): `.com` on GitLab.com,
 * `self-managed` otherwise (GitLab Dedicated, which Switchboard does not model, sends its own value).
 */
export type DeploymentType = '.com' | 'self-managed';

export const deploymentTypeOf = (s: { gitlabRealm: Realm }): DeploymentType =>
  s.gitlabRealm === 'self_managed' ? 'self-managed' : '.com';

export const storedRealm = (wire: WireRealm): Realm =>
  wire === 'self-managed' ? 'self_managed' : 'saas';
