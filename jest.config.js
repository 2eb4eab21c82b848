/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10', allowJs: true, isolatedModules: true, esModuleInterop: true, ignoreDeprecations: '6.0' }, diagnostics: false }],
  },
  // ESM-only packages that jest (CommonJS) must transform: middy, and the Vercel AI SDK with
  // the packages it pulls in (its adapter's test).
  transformIgnorePatterns: ['/node_modules/(?!(@middy|ai|@ai-sdk|zod|@standard-schema|eventsource-parser|@workflow)/)'],
  moduleNameMapper: {
    '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js',
  },
  setupFiles: ['<rootDir>/test/setup-env.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  // A guard against a hang, not a speed check (speed is measured in bench/): two workers on two
  // cores, each with DynamoDB Local, can take a test that needs 25 s alone past a minute.
  testTimeout: 120000,
  maxWorkers: 2,
};
