import { Writable } from 'node:stream';
import { loggedUrl } from '../../../src/common/logging/logged-url';
import { createLogger } from '../../../src/common/logging/logger';

describe('loggedUrl: the URL every log line records', () => {
  it.each([
    ['/api/v4/user?private_token=glpat-abc', '/api/v4/user?private_token=[REDACTED]'],
    ['/api/v4/jobs?job_token=jt-secret&x=1', '/api/v4/jobs?job_token=[REDACTED]&x=1'],
    [
      '/oauth?access_token=at&refresh_token=rt',
      '/oauth?access_token=[REDACTED]&refresh_token=[REDACTED]',
    ],
    [
      '/x?PRIVATE%5FTOKEN=s&Private_Token=s2',
      '/x?PRIVATE%5FTOKEN=[REDACTED]&Private_Token=[REDACTED]',
    ],
    ['/x?a=1;private_token=s#frag', '/x?a=1;private_token=[REDACTED]'],
    [
      'http://h:1/p?username=%25&private_token',
      'http://h:1/p?username=%25&private_token=[REDACTED]',
    ],
    ['/projects/%25', '/projects/%25'],
  ])('%s → %s', (url, logged) => {
    expect(loggedUrl(url)).toBe(logged);
  });

  it('is applied to every log line: any `url` field at any depth loses its query secrets', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger('info', sink);
    log.error(
      { url: '/a?private_token=glpat-1', err: { config: { url: '/b?job_token=jt-2' } } },
      'x',
    );
    log.info({ req: { url: '/c?access_token=at-3' } }, 'y');
    expect(out).not.toMatch(/glpat-1|jt-2|at-3/);
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(3);
  });
});
