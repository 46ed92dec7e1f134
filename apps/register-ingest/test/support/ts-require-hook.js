// Lets a child process run an app straight from its TypeScript sources (as Jest does), so tests can
// start the register simulator as a separate process without a prior build:
//   node -r apps/register-ingest/test/support/ts-require-hook.js apps/register-simulator/src/main.ts
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '../../../..');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  const match = /^@skolkonto\/([a-z0-9-]+)$/.exec(request);
  if (match) return path.join(root, 'libs', match[1], 'src/index.ts');
  try {
    return originalResolve.call(this, request, parent, ...rest);
  } catch (error) {
    // Sources written for ESM-style resolution import './x.js' where only './x.ts' exists.
    if (request.startsWith('.') && request.endsWith('.js')) {
      return originalResolve.call(this, request.slice(0, -3) + '.ts', parent, ...rest);
    }
    throw error;
  }
};

require.extensions['.ts'] = function compile(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
