// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { layers } from './eslint.layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'var/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-console': 'error',
    },
  },
  // Layers: native packages and createRequire only inside drivers/ (eslint.layers.js).
  ...layers,
  // What the CLI prints comes from media, chips and CAs: it goes through src/cli/output.ts, which
  // makes it display-safe (issue 11 item 16), never straight to a stream.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/output.ts', 'src/cli/main.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='write'][callee.object.property.name=/^std(out|err)$/]",
          message:
            'Print through src/cli/output.ts (writeLines, writeJson), which is display-safe.',
        },
      ],
    },
  },
  { files: ['test/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs'], languageOptions: { globals: globals.node } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
