import { normalisePath } from '../../../src/common/http/fastify-setup';

describe('normalisePath (GitLab tolerates duplicate and trailing slashes)', () => {
  it.each([
    [
      '/api/v4/features//code_completion_v4_endpoint',
      '/api/v4/features/code_completion_v4_endpoint',
    ],
    ['/api/v4/features/', '/api/v4/features'],
    ['//api///v4/users/?search=a//b&page=2', '/api/v4/users?search=a//b&page=2'],
    ['/api/v4/projects/acme%2Fwidgets', '/api/v4/projects/acme%2Fwidgets'],
    ['/', '/'],
    ['/api/v4/user', '/api/v4/user'],
    [undefined, '/'],
  ])('%s → %s', (input, expected) => {
    expect(normalisePath(input)).toBe(expected);
  });
});
