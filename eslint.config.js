// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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
      // Native device packages are reached only through drivers/ (DEVELOPERS.md, STYLE.md #3).
      'no-restricted-imports': [
        'error',
        {
          paths: ['pcsclite', 'usb', 'node-hid', 'graphene-pk11', 'pkcs11js'].map((name) => ({
            name,
            message: 'Native device packages are imported only inside drivers/.',
          })),
        },
      ],
      'no-console': 'error',
    },
  },
  { files: ['drivers/**'], rules: { 'no-restricted-imports': 'off' } },
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
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
