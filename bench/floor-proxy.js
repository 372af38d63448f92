'use strict';
/*
 * The floor of the stack: the completions hot path's own work on bare Fastify, without Nest,
 * database, flags, breakers, metrics or logging. Per request: a sha256 token lookup, the body
 * parsed and validated with the service's zod schema, the v2 upstream body rebuilt with the
 * service's builder, an undici Pool call to the stub, the answer parsed and post-processed with
 * the service's post-processor. What the service adds on top of this is framework and policy.
 * Forked by bench/lib/stack.js with FLOOR_CONFIG = JSON {stubUrl, token, headers} in its environment
 * (not in argv, where `ps` would show the tokens); needs `npm run build`: it uses dist/.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const Fastify = require('fastify');
const { Pool } = require('undici');

const dist = path.join(__dirname, '..', 'dist', 'src');
const { completionInputSchema } = require(
  path.join(dist, 'code-suggestions/completion-input.schema'),
);
const { loadModelCatalogue } = require(path.join(dist, 'routing/model-catalogue'));
const { buildV2Body } = require(path.join(dist, 'routing/request-builders'));
const { postProcessCompletion } = require(path.join(dist, 'routing/post-process'));
const { resolveLanguage } = require(path.join(dist, 'routing/languages.constants'));

const { stubUrl, token, headers: upstreamHeaders } = JSON.parse(process.env.FLOOR_CONFIG);
const sha = (t) => crypto.createHash('sha256').update(t).digest('hex');
const tokens = new Map([[sha(token), { id: 2 }]]);
const anyFlag = { has: () => true };
const catalogue = loadModelCatalogue(path.join(__dirname, '..', 'config', 'models.yml'), anyFlag);
const rule = catalogue.completionRules.find((r) => r.kind === 'default');
const model = rule.model;
const pool = new Pool(stubUrl, { keepAliveTimeout: 60_000 });

const app = Fastify({ bodyLimit: 8 * 1024 * 1024 });
app.post('/api/v4/code_suggestions/completions', async (req, reply) => {
  const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!auth || !tokens.has(sha(auth[1]))) return reply.code(401).send({ message: '401' });
  const parsed = completionInputSchema.safeParse(req.body);
  if (!parsed.success) return reply.code(400).send({ error: 'invalid' });
  const input = parsed.data;
  const res = await pool.request({
    method: 'POST',
    path: '/v2/code/completions',
    headers: { ...upstreamHeaders, 'content-type': 'application/json' },
    body: JSON.stringify(buildV2Body(input, model)),
  });
  const body = await res.body.json();
  const language = resolveLanguage(
    input.current_file.file_name,
    input.current_file.language_identifier,
  );
  return reply.code(res.statusCode).send(postProcessCompletion(body, model, language));
});

app.listen({ port: 0, host: '127.0.0.1' }).then(() => {
  const { port } = app.server.address();
  if (process.send) process.send({ ready: true, url: `http://127.0.0.1:${port}` });
  else process.stdout.write(`floor proxy on http://127.0.0.1:${port}\n`);
});
if (process.send) process.on('disconnect', () => process.exit(0));
