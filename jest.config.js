/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { isolatedModules: true }],
    // age-encryption and its dependencies ship ESM only: esbuild turns them into CommonJS for Jest.
    "/node_modules/(age-encryption|@noble|@scure)/.+\\.js$": "<rootDir>/test/esbuild-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!(age-encryption|@noble|@scure)/)", "\\.pnp\\.[^\\/]+$"],
  moduleNameMapper: { "^cdktf-api-keys$": "<rootDir>/src/index.ts" },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  // One module for both: points TMPDIR at a private directory for the run, then fails the run if
  // anything is left in it or any process started by the run is still alive.
  globalSetup: "<rootDir>/test/support/leak-check.ts",
  globalTeardown: "<rootDir>/test/support/leak-check.ts",
  testTimeout: 120000,
};
