import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const MODULES = readdirSync(new URL('./src/modules/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/dist/**', '.bazaar/**'] },
  js.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.property.name='only']", message: 'Focused tests skip the rest of the suite' }],
    },
  },
  // The operations console runs in the browser: React's hook rules and browser globals.
  {
    files: ['console/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', crypto: 'readonly', fetch: 'readonly', URL: 'readonly', URLSearchParams: 'readonly' } },
  },
  // The platform is the shared kernel: it never depends on a module.
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**'], message: 'platform/ must not import modules/' }] }],
    },
  },
  // Code outside a module reaches it only through its index.ts.
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)modules/[^/]+/(?!index\\.js$).+',
              message: 'Import another module only through its index.ts',
            },
          ],
        },
      ],
    },
  },
  // Inside a module, the same rule holds for its siblings: `../<other>/index.js` only.
  ...MODULES.map((name) => ({
    files: [`src/modules/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!index\\.js$)[^/.]+/(?!index\\.js$).+', message: 'Import another module only through its index.ts' },
            { regex: '(^|/)modules/[^/]+/(?!index\\.js$).+', message: 'Import another module only through its index.ts' },
          ],
        },
      ],
    },
  })),
);
