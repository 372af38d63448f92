import type { AuthenticatedUser } from '../../../src/common/auth/principal';
import {
  identityHeaders,
  upstreamCallHeaders,
} from '../../../src/code-suggestions/identity-headers';
import type { SeatContext } from '../../../src/identity/seats/seats.service';
import type { InstanceSettingsRecord } from '../../../src/identity/settings/settings.repository';

const user: AuthenticatedUser = {
  id: 3,
  username: 'ada',
  name: 'Ada',
  admin: false,
  globalUserId: 'guid-ada',
};
const settings: InstanceSettingsRecord = {
  instanceId: 'inst-1',
  gitlabRealm: 'self_managed',
  hostName: 'gitlab.example.com',
  disabledDirectCodeSuggestions: false,
  aiGatewayUrl: null,
  updatedAt: new Date(0),
};

function seat(): SeatContext {
  return { hasSeat: true, groups: [{ id: 9, addOn: 'duo_pro' }] } as unknown as SeatContext;
}

describe('upstreamCallHeaders', () => {
  it('is the identity headers with the enabled flags and the token', () => {
    const input = { user, settings, seat: seat(), gitlabVersion: '17.6.0' };
    const headers = upstreamCallHeaders(input, 'k1', () => 'flag_a,flag_b', 'tok-1');
    expect(headers).toEqual({
      ...identityHeaders(input, 'flag_a,flag_b'),
      Authorization: 'Bearer tok-1',
    });
    expect(headers['X-Gitlab-Realm']).toBe('self-managed');
    expect(headers['X-Gitlab-Feature-Enabled-By-Namespace-Ids']).toBe('9');
  });

  it('is built once per user, decision and token', () => {
    const input = { user, settings, seat: seat(), gitlabVersion: '17.6.0' };
    let built = 0;
    const flags = () => {
      built += 1;
      return 'flag_a';
    };
    const first = upstreamCallHeaders(input, 'k1', flags, 'tok-1');
    expect(upstreamCallHeaders(input, 'k1', flags, 'tok-1')).toBe(first);
    expect(built).toBe(1);

    const newToken = upstreamCallHeaders(input, 'k1', flags, 'tok-2');
    expect(newToken.Authorization).toBe('Bearer tok-2');
    const newDecision = upstreamCallHeaders(input, 'k2', () => 'flag_b', 'tok-2');
    expect(newDecision['x-gitlab-enabled-feature-flags']).toBe('flag_b');
    expect(built).toBe(2);
  });

  it('follows a settings change (a new settings snapshot)', () => {
    const s = seat();
    const before = upstreamCallHeaders(
      { user, settings, seat: s, gitlabVersion: '17.6.0' },
      'k1',
      () => '',
      'tok-1',
    );
    const moved = { ...settings, hostName: 'gitlab.moved.example' };
    const after = upstreamCallHeaders(
      { user, settings: moved, seat: s, gitlabVersion: '17.6.0' },
      'k1',
      () => '',
      'tok-1',
    );
    expect(before['X-Gitlab-Host-Name']).toBe('gitlab.example.com');
    expect(after['X-Gitlab-Host-Name']).toBe('gitlab.moved.example');
  });
});
