#!/usr/bin/env node
// Bundles the admin console (console/src, Preact + uPlot) into dist/console with esbuild: one
// script, one stylesheet, the page. Same-origin and offline: nothing is fetched at run time.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

async function buildConsole(outDir = path.join(__dirname, '..', 'dist', 'console')) {
  const root = path.join(__dirname, '..', 'console');
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(root, 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outDir,
    logLevel: 'warning',
    legalComments: 'none',
  });
  fs.copyFileSync(path.join(root, 'index.html'), path.join(outDir, 'index.html'));
  return outDir;
}

module.exports = { buildConsole };

if (require.main === module) {
  buildConsole().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
