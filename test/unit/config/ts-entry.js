// Runs a TypeScript entry (src/main.ts, src/stub-gateway/main.ts) in a child process without a
// build: `node test/unit/config/ts-entry.js <file.ts>`. Transpiles with the same swc settings as jest.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const config = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../swc.jest.json'), 'utf8'));
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    ...config,
    sourceMaps: false,
    filename,
  });
  module._compile(code, filename);
};
require(path.resolve(process.argv[2]));
