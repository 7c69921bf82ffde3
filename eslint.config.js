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
  { files: ['test/**', 'scripts/**'], rules: { 'no-console': 'off' } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
);
