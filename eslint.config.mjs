// Lint rules and the project's import boundaries (see STYLE "Boundaries"): which layer may import
// what is enforced here with no-restricted-imports, so a wrong dependency fails `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group, message })) }],
});

const ONLY_IN_DIRECTORY = { group: ['ldapts', 'ldapts/*'], message: 'ldapts is used only in libs/directory' };
const ONLY_IN_MESSAGING = { group: ['nats', 'nats/*'], message: 'nats is used only in libs/messaging' };
const APPS_NEVER = { group: ['**/apps/**', '@skolkonto/register-*', '@skolkonto/identity-*', '@skolkonto/ad-*', '@skolkonto/federation-*', '@skolkonto/ops-*'], message: 'apps never import apps' };
const NO_DEEP = { group: ['@skolkonto/*/*'], message: "import a project's public API (@skolkonto/<name>), never a deep path" };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'libs/persistence/src/generated/**', '.stack/**', '**/web/dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: [ONLY_IN_DIRECTORY, ONLY_IN_MESSAGING, APPS_NEVER, NO_DEEP] }],
    },
  },
  {
    files: ['libs/domain/src/**/*.ts'],
    rules: restrict([['@nestjs/*', 'nats', 'ldapts', '@prisma/*', 'pg', '@skolkonto/*', 'node:fs', 'node:net', 'node:http']], 'libs/domain is pure: no I/O, no Nest, no other project'),
  },
  {
    files: ['libs/contracts/src/**/*.ts'],
    rules: restrict([['@nestjs/*', 'nats', 'ldapts', '@prisma/*', 'pg', '@skolkonto/*']], 'libs/contracts depends on class-validator / class-transformer only'),
  },
  {
    files: ['libs/directory/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ONLY_IN_MESSAGING, APPS_NEVER, NO_DEEP] }] },
  },
  {
    files: ['libs/messaging/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [ONLY_IN_DIRECTORY, APPS_NEVER, NO_DEEP, { group: ['@prisma/*', '@skolkonto/persistence'], message: 'libs/messaging talks to storage through the OutboxStore interface only' }] },
      ],
    },
  },
  {
    // Plain CommonJS run by Node directly (Jest configs, global setup, reporters).
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and the testing library may reach real services directly.
    files: ['libs/testing/**/*.ts', '**/test/**/*.ts', '**/*.spec.ts', 'tests/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [APPS_NEVER, NO_DEEP] }], '@typescript-eslint/no-explicit-any': 'off' },
  },
);
