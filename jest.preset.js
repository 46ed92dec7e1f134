// Shared Jest settings: SWC transpiles TypeScript with decorator metadata (Nest, class-validator),
// and @skolkonto/* resolve to sources so tests never need a prior build.
const path = require('node:path');

const root = __dirname;

/** @param {string} projectDir @param {Partial<import('jest').Config>} overrides */
function projectConfig(projectDir, overrides = {}) {
  return {
    displayName: path.relative(root, projectDir),
    rootDir: projectDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.int-spec.ts'],
    transform: {
      '^.+\\.(t|j)s$': [
        require.resolve('@swc/jest'),
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: true },
            target: 'es2022',
            keepClassNames: true,
          },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
        },
      ],
    },
    moduleNameMapper: {
      // The generated Prisma client imports its sibling .ts files with .js extensions.
      '^(\\.{1,2}/.*)\\.js$': '$1',
      '^@skolkonto/([a-z0-9-]+)$': path.join(root, 'libs/$1/src/index.ts'),
    },
    globalSetup: path.join(root, 'libs/testing/src/jest/global-setup.js'),
    testTimeout: 60_000,
    // Integration suites talk to real services; a socket a library keeps open after the last test
    // (a pg pool, an LDAP reconnect timer) must never hang `npm test` after every result is in.
    forceExit: true,
    reporters: ['default', path.join(root, 'libs/testing/src/jest/summary-reporter.js')],
    ...overrides,
  };
}

module.exports = { projectConfig };
