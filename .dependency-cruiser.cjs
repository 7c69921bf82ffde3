// The layers look only down (DESIGN §2, DEVELOPERS.md "The layout"; issue 12 item 4), checked by
// `npm run deps` inside `npm test`. test/unit/layers.test.ts plants each kind of violation in a
// temporary tree and proves this configuration refuses it. `createRequire`, which no import
// graph shows, is refused outside drivers/ by the ESLint rule in eslint.layers.js.

/**
 * Packages that load native code: reached only through drivers/ (STYLE.md #3). Matched resolved
 * (node_modules/usb/…) and, for a subpath the package does not export, by name (usb/dist/…).
 */
const native = '(^|node_modules/)(pcsclite|usb|node-hid|graphene-pk11|pkcs11js)(/|$)';
/** The one leaf every layer may use, drivers included. */
const leaf = '^src/shared/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'drivers-only-the-leaf',
      comment: 'drivers/ depend on src/shared and nothing else of src/',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^src/', pathNot: leaf },
    },
    {
      name: 'leaf-is-a-leaf',
      comment: 'src/shared imports nothing of the project but itself',
      severity: 'error',
      from: { path: leaf },
      to: { path: '^(src|drivers|machines|ui)/', pathNot: leaf },
    },
    {
      name: 'machines-are-pure',
      comment: 'machines/ use xstate and types: no drivers, no src implementation',
      severity: 'error',
      from: { path: '^machines/' },
      to: {
        path: '^(drivers|ui)/|^src/',
        pathNot: leaf,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'ui-above-machines',
      comment: 'ui/ draws what the machines say: no drivers, no src implementation',
      severity: 'error',
      from: { path: '^ui/' },
      to: { path: '^drivers/|^src/', pathNot: leaf, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'native-only-in-drivers',
      comment: 'native device packages (any subpath) are imported only inside drivers/',
      severity: 'error',
      from: { path: '^(src|machines|ui|scripts)/' },
      to: { path: native },
    },
    {
      name: 'sqlite-only-in-its-stores',
      comment: 'better-sqlite3 only in the stores that own a database',
      severity: 'error',
      from: {
        path: '^(src|drivers|machines|ui)/',
        // The CA's store is src/ca/database.ts with its statements by table in src/ca/db/ (split
        // to stay under 400 lines, issue 12 item 6); those take the handle's type from the package.
        // The teller accounts' store is src/teller/accountStore.ts; the record of open visits is
        // src/kiosk/visitStore.ts.
        pathNot: '^src/(ca/(database|db/[^/]+)|(audit|teller|kiosk)/[^/]+Store)\\.ts$',
      },
      to: { path: 'node_modules/better-sqlite3/' },
    },
    {
      name: 'no-unresolvable',
      comment: 'an import that resolves to nothing is a typo or a missing package',
      severity: 'error',
      from: {},
      // scripts/ load the build (dist/), absent on a clean clone; test/unit/layers.test.ts checks
      // that each such import names a source file.
      to: { couldNotResolve: true, pathNot: '^(\\.\\./)+dist/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|var|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.node', '.d.ts'],
    },
  },
};
