/** Unit tests sit next to the code they test; integration tests under test/. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/src", "<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true }] },
  testTimeout: 60000,
  // Every file's Proxmox requests and simulator answers are checked against the PVE schema after it ran.
  setupFilesAfterEnv: ["<rootDir>/test/support/proxmoxConformance.ts"],
  reporters: ["default", "<rootDir>/test/conformanceReporter.js", "<rootDir>/test/summaryReporter.js"],
};
