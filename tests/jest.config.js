const { projectConfig } = require('../jest.preset');
module.exports = projectConfig(__dirname, {
  displayName: 'system-tests',
  testMatch: ['<rootDir>/**/*.int-spec.ts'],
  testTimeout: 120_000,
});
