import { Writable } from 'node:stream';
import { createLogger } from '../../../src/common/logging/logger';

// Secrets must not reach a log line however deep the object that carries them: a request's
// headers, an axios error's config, a nested token field.
function logged(obj: Record<string, unknown>): string {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  createLogger('info', sink).info(obj, 'msg');
  return out;
}

const SECRET = 'glpat-SUPERSECRET0123456789';

describe('log redaction', () => {
  it.each<[string, Record<string, unknown>]>([
    ['request headers', { req: { headers: { authorization: `Bearer ${SECRET}` } } }],
    ['PRIVATE-TOKEN header', { req: { headers: { 'private-token': SECRET } } }],
    ['top-level headers', { headers: { 'PRIVATE-TOKEN': SECRET } }],
    ['headers one level down', { upstream: { headers: { authorization: `Bearer ${SECRET}` } } }],
    ['headers two levels down', { a: { b: { headers: { 'private-token': SECRET } } } }],
    ['headers with capitals', { request: { headers: { Authorization: `Bearer ${SECRET}` } } }],
    ['cookies', { res: { headers: { 'set-cookie': `s=${SECRET}` } } }],
    [
      'an axios error config',
      { err: { config: { headers: { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET } } } },
    ],
    [
      'an axios error response config',
      { err: { response: { config: { headers: { authorization: SECRET } } } } },
    ],
    ['a token field', { token: SECRET }],
    ['a nested token field', { a: { b: { c: { token: SECRET } } } }],
    ['an access_token field', { body: { access_token: SECRET } }],
    ['Unleash tokens', { unleash: { apiToken: SECRET, adminToken: SECRET } }],
    ['secrets and keys', { key: { secret: SECRET, privateKey: SECRET, password: SECRET } }],
  ])('%s', (_name, obj) => {
    const line = logged(obj);
    expect(line).not.toContain('SUPERSECRET');
    expect(line).toContain('[REDACTED]');
  });

  it('redacts through child loggers too, and never modifies the logged object', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const obj = { upstream: { headers: { authorization: SECRET } }, ctx: { token: SECRET } };
    createLogger('info', sink).child({ component: 'gateway' }).info(obj, 'msg');
    expect(out).not.toContain('SUPERSECRET');
    expect(obj.upstream.headers.authorization).toBe(SECRET);
  });

  it('keeps what is not secret', () => {
    const line = logged({ req: { headers: { 'user-agent': 'vscode' } }, tokenId: 7 });
    expect(line).toContain('vscode');
    expect(line).toContain('"tokenId":7');
  });
});

describe('log redaction of Error objects', () => {
  it('an axios-like Error with config.headers is redacted after serialisation', () => {
    const err = Object.assign(new Error('Request failed'), {
      config: { url: 'http://gw/v2', headers: { Authorization: `Bearer ${SECRET}` } },
    });
    const line = logged({ err });
    expect(line).toContain('Request failed');
    expect(line).not.toContain('SUPERSECRET');
  });
});
