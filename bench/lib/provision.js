'use strict';
/* Provisioning through the real admin API (as test/support/factories.ts does). */
const { expectStatus, request } = require('./util');

let seq = 0;
const unique = (p) => `${p}${Date.now().toString(36)}${(seq++).toString(36)}`;

class Admin {
  constructor(baseUrl, rootToken) {
    this.baseUrl = baseUrl;
    this.rootToken = rootToken;
  }

  call(method, path, body, token = this.rootToken) {
    return request(this.baseUrl + path, { method, body, headers: { 'private-token': token } });
  }

  post(path, body, expected = 201, what = `POST ${path}`) {
    return expectStatus(this.call('POST', path, body), expected, what);
  }

  /** A user with a Duo Pro seat in a fresh top-level group, a project there and an `api` token. */
  async seatedUser(prefix = 'bench') {
    const username = unique(prefix);
    const user = await this.post('/api/v4/users', { username, name: username });
    const tok = await this.post(`/api/v4/users/${user.id}/personal_access_tokens`, {
      name: 'ide',
      scopes: ['api', 'ai_features'],
    });
    const gp = unique('g');
    const group = await this.post('/api/v4/groups', { name: gp, path: gp });
    await this.post(`/api/v4/groups/${group.id}/members`, { user_id: user.id });
    const purchase = await this.post(`/api/v4/groups/${group.id}/add_on_purchases`, {
      add_on: 'duo_pro',
      quantity: 10,
    });
    await this.post(`/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`, {
      user_id: user.id,
    });
    const pp = unique('p');
    const project = await this.post('/api/v4/projects', {
      name: pp,
      path: pp,
      namespace_id: group.id,
    });
    return { id: user.id, username, token: tok.token, group, project };
  }

  /**
   * `n` users with a Duo Pro seat in one fresh group (one purchase of `n` seats) and one project
   * there, each with an `api` token: the distinct users of the direct_access cache-miss run.
   * `parallel` admin calls at a time.
   */
  async seatedUsersInOneGroup(n, prefix = 'benchda', parallel = 16) {
    const gp = unique('g');
    const group = await this.post('/api/v4/groups', { name: gp, path: gp });
    const purchase = await this.post(`/api/v4/groups/${group.id}/add_on_purchases`, {
      add_on: 'duo_pro',
      quantity: n,
    });
    const pp = unique('p');
    const project = await this.post('/api/v4/projects', {
      name: pp,
      path: pp,
      namespace_id: group.id,
    });
    const one = async () => {
      const username = unique(prefix);
      const user = await this.post('/api/v4/users', { username, name: username });
      const tok = await this.post(`/api/v4/users/${user.id}/personal_access_tokens`, {
        name: 'ide',
        scopes: ['api', 'ai_features'],
      });
      await this.post(`/api/v4/groups/${group.id}/members`, { user_id: user.id });
      await this.post(`/api/v4/groups/${group.id}/add_on_purchases/${purchase.id}/assignments`, {
        user_id: user.id,
      });
      return tok.token;
    };
    const tokens = [];
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next += 1;
        tokens.push(await one());
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
    return { tokens, group, project };
  }

  /** `POST /api/v4/features/:name` (GitLab's Features API); answers 201 like GitLab. */
  async setFlag(name, body) {
    const r = await this.call('POST', `/api/v4/features/${name}`, body);
    if (r.status !== 201 && r.status !== 200) {
      throw new Error(`set flag ${name}: ${r.status} ${r.text.slice(0, 300)}`);
    }
    return r.body;
  }
}

module.exports = { Admin };
