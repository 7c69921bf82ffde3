// @ts-check
// The import rules of the layers that an import graph cannot see (issue 12 item 4): native
// packages by name, and `createRequire`, which loads any of them by a string. The graph itself is
// dependency-cruiser's (.dependency-cruiser.cjs). Shared with test/unit/layers.test.ts, which
// lints planted files with exactly these blocks.

/** Packages that load native code: imported only inside drivers/ (DEVELOPERS.md, STYLE.md #3). */
export const nativePackages = ['pcsclite', 'usb', 'node-hid', 'graphene-pk11', 'pkcs11js'];

const nativeMessage = 'Native device packages are imported only inside drivers/.';
const moduleMessage =
  'node:module (createRequire) loads packages by a string no import graph sees: only inside drivers/.';

/** @type {import('eslint').Linter.Config[]} */
export const layers = [
  {
    files: ['**/*.{ts,mts,js,mjs,cjs}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nativePackages.map((name) => ({ name, message: nativeMessage })),
          patterns: nativePackages.map((name) => ({
            group: [`${name}/*`],
            message: nativeMessage,
          })),
        },
      ],
    },
  },
  {
    // Production code outside drivers/: neither native packages nor the module loader.
    files: ['src/**', 'machines/**', 'ui/**', 'scripts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nativePackages.map((name) => ({ name, message: nativeMessage })),
            { name: 'node:module', message: moduleMessage },
            { name: 'module', message: moduleMessage },
          ],
          patterns: nativePackages.map((name) => ({
            group: [`${name}/*`],
            message: nativeMessage,
          })),
        },
      ],
    },
  },
  { files: ['drivers/**'], rules: { 'no-restricted-imports': 'off' } },
];
