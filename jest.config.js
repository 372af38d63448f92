// Test tiers (see README "Tests"): unit (pure, fast), integration (real database: embedded
// PGlite, and PostgreSQL when TEST_DATABASE_URL is set), e2e (HTTP over a socket through the
// production bootstrap, stub AI Gateway, real Unleash where Unleash is the subject).
// Tests that start the service (PGlite, unleash-server) load ES modules through vm, which needs
// node's --experimental-vm-modules. `npm test` sets it; a bare `npx jest <file>` did not and
// crashed with ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG. Here jest re-runs itself with it.
const VM_FLAG = '--experimental-vm-modules';
if (
  !process.execArgv.includes(VM_FLAG) &&
  !(process.env.NODE_OPTIONS ?? '').includes(VM_FLAG) &&
  require.main?.filename?.includes('jest')
) {
  const { spawnSync } = require('node:child_process');
  const env = {
    ...process.env,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${VM_FLAG}`.trim(),
  };
  const r = spawnSync(process.execPath, process.argv.slice(1), { stdio: 'inherit', env });
  process.exit(r.status ?? 1);
}
const swc = ['@swc/jest', { ...require('./swc.jest.json') }];
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
  ],
};
