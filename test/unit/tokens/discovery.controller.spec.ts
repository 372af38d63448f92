import type { FastifyReply, FastifyRequest } from 'fastify';
import { matchesEtag, sendCacheableJson } from '../../../src/tokens/cacheable-json';
import { openidConfiguration } from '../../../src/tokens/discovery.controller';

function fakeReply() {
  const sent = { status: 0, headers: {} as Record<string, string>, body: undefined as unknown };
  const reply = {
    header(name: string, value: string) {
      sent.headers[name.toLowerCase()] = value;
      return reply;
    },
    status(code: number) {
      sent.status = code;
      return reply;
    },
    send(body?: unknown) {
      sent.body = body;
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, sent };
}

const request = (ifNoneMatch?: string) =>
  ({ headers: ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {} }) as FastifyRequest;

describe('openidConfiguration', () => {
  it("follows GitLab's discovery shape for our issuer", () => {
    expect(openidConfiguration('https://sb.example.com')).toEqual({
      issuer: 'https://sb.example.com',
      jwks_uri: 'https://sb.example.com/oauth/discovery/keys',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claim_types_supported: ['normal'],
      claims_supported: expect.arrayContaining([
        'iss',
        'sub',
        'aud',
        'exp',
        'gitlab_realm',
        'gitlab_instance_id',
        'scopes',
      ]),
      scopes_supported: ['complete_code', 'generate_code'],
    });
  });
});

describe('sendCacheableJson', () => {
  it('sends JSON with Cache-Control and a stable strong ETag', () => {
    const a = fakeReply();
    const b = fakeReply();
    sendCacheableJson(request(), a.reply, { keys: [1] }, 300);
    sendCacheableJson(request(), b.reply, { keys: [1] }, 300);
    expect(a.sent).toEqual({
      status: 200,
      headers: {
        'cache-control': 'public, max-age=300',
        etag: expect.stringMatching(/^"[\w-]{32}"$/),
        'content-type': 'application/json; charset=utf-8',
      },
      body: '{"keys":[1]}',
    });
    expect(b.sent.headers.etag).toBe(a.sent.headers.etag);

    const c = fakeReply();
    sendCacheableJson(request(), c.reply, { keys: [2] }, 300);
    expect(c.sent.headers.etag).not.toBe(a.sent.headers.etag);
  });

  it('answers 304 without a body when If-None-Match names the current ETag', () => {
    const first = fakeReply();
    sendCacheableJson(request(), first.reply, { keys: [] }, 300);
    const again = fakeReply();
    sendCacheableJson(request(first.sent.headers.etag), again.reply, { keys: [] }, 300);
    expect(again.sent.status).toBe(304);
    expect(again.sent.body).toBeUndefined();
    expect(again.sent.headers.etag).toBe(first.sent.headers.etag);
  });

  it('compares ETags like RFC 9110 If-None-Match', () => {
    expect(matchesEtag('"a"', '"a"')).toBe(true);
    expect(matchesEtag('W/"a"', '"a"')).toBe(true);
    expect(matchesEtag('"x", "a"', '"a"')).toBe(true);
    expect(matchesEtag('*', '"a"')).toBe(true);
    expect(matchesEtag('"b"', '"a"')).toBe(false);
    expect(matchesEtag(undefined, '"a"')).toBe(false);
  });
});
