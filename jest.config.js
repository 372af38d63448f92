// Test tiers (see README "Tests"): unit (pure, fast), integration (real database: embedded
// PGlite, and PostgreSQL when TEST_DATABASE_URL is set), e2e (HTTP over a socket through the
// production bootstrap, stub AI Gateway, real Unleash where Unleash is the subject).
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
