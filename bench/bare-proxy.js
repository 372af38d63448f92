'use strict';
/*
 * The baseline proxy: a bare node:http pass-through to TARGET (keep-alive upstream, no parsing).
 * `node bench/bare-proxy.js http://127.0.0.1:5052 [port]`; reports its port over IPC when forked.
 */
const http = require('node:http');

const target = new URL(process.argv[2] ?? process.env.BARE_PROXY_TARGET ?? 'http://127.0.0.1:5052');
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const opts = {
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  };
  const up = http.request(opts, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  req.pipe(up);
});
server.keepAliveTimeout = 65_000;

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  if (process.send) process.send({ ready: true, url: `http://127.0.0.1:${port}` });
  else process.stdout.write(`bare proxy on http://127.0.0.1:${port} -> ${target.origin}\n`);
});
// Forked by the bench: stop with the parent.
if (process.send) process.on('disconnect', () => process.exit(0));
