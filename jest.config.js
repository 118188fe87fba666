/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { isolatedModules: true }] },
  moduleNameMapper: { "^cdktf-api-keys$": "<rootDir>/src/index.ts" },
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  testTimeout: 120000,
};
