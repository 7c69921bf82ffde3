import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../eslint.layers.js';
import { tempDir } from '../support/tempDir.js';

// Issue 12 item 4: the layers are kept by tools, and these tests prove the tools refuse each kind
// of violation, planted in a temporary tree shaped like the project (its node_modules linked).

const root = resolve(import.meta.dirname, '../..');

/** A tree with the project's folder names: each file one allowed or forbidden import. */
const planted: Record<string, string> = {
  'src/shared/leaf.ts': 'export const leaf = 1;\n',
  'src/npki/layout.ts': 'export const scanNpki = 1;\n',
  'src/service/issue.ts': 'export interface IssueRequest { readonly spec: string }\n',
  // Allowed: a driver on the leaf, a machine on a service type, the CA's own database.
  'drivers/ok/driver.ts':
    "import { leaf } from '../../src/shared/leaf.js';\nexport const d = leaf;\n",
  'machines/visit.ts':
    "import type { IssueRequest } from '../src/service/issue.js';\nexport type R = IssueRequest;\n",
  'src/ca/database.ts': "import Database from 'better-sqlite3';\nexport const D = Database;\n",
  // Forbidden, one each.
  'drivers/bad/driver.ts':
    "import { scanNpki } from '../../src/npki/layout.js';\nexport const d = scanNpki;\n",
  'ui/screen.ts': "import { d } from '../drivers/ok/driver.js';\nexport const s = d;\n",
  'machines/impure.ts':
    "import { scanNpki } from '../src/npki/layout.js';\nexport const m = scanNpki;\n",
  'src/plain.ts': "import usb from 'usb';\nexport const u = usb;\n",
  'src/subpath.ts': "import * as pc from 'usb/dist/usb/index.js';\nexport const u = pc;\n",
  'src/required.ts': [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    "export const p = require('pcsclite') as unknown;",
    '',
  ].join('\n'),
  'src/loaded.ts': [
    "import { createRequire } from 'node:module';",
    'const load = createRequire(import.meta.url);',
    "export const h = load('node-hid') as unknown;",
    '',
  ].join('\n'),
  'src/storage/auditLike.ts':
    "import Database from 'better-sqlite3';\nexport const D = Database;\n",
};

let tree: string;
beforeAll(() => {
  tree = tempDir('layers-');
  for (const [path, text] of Object.entries(planted)) {
    mkdirSync(dirname(join(tree, path)), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  copyFileSync(join(root, 'tsconfig.json'), join(tree, 'tsconfig.json'));
});

/** dependency-cruiser with the project's configuration: the rule broken by each file. */
function cruise(cwd: string): { errors: number; violations: string[] } {
  const run = spawnSync(
    join(root, 'node_modules/.bin/depcruise'),
    [
      '--config',
      join(root, '.dependency-cruiser.cjs'),
      '--output-type',
      'json',
      'src',
      'drivers',
      'machines',
      'ui',
    ],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const result = JSON.parse(run.stdout) as {
    summary: { error: number; violations: { from: string; rule: { name: string } }[] };
  };
  return {
    errors: result.summary.error,
    violations: result.summary.violations.map((v) => `${v.rule.name}: ${v.from}`).sort(),
  };
}

describe('the layer check', () => {
  it('dependency-cruiser refuses each planted import, and only those', () => {
    const { errors, violations } = cruise(tree);
    expect(errors).toBe(violations.length);
    expect(violations).toEqual(
      [
        'drivers-only-the-leaf: drivers/bad/driver.ts',
        'machines-are-pure: machines/impure.ts',
        'native-only-in-drivers: src/plain.ts',
        'native-only-in-drivers: src/required.ts',
        'native-only-in-drivers: src/subpath.ts',
        'no-unresolvable: src/subpath.ts',
        'sqlite-only-in-its-stores: src/storage/auditLike.ts',
        'ui-above-machines: ui/screen.ts',
      ].sort(),
    );
  }, 60_000);

  it('ESLint refuses native packages and the module loader outside drivers/', async () => {
    const eslint = new ESLint({
      cwd: tree,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        ...layers,
      ],
    });
    const results = await eslint.lintFiles(['src/**/*.ts', 'drivers/**/*.ts']);
    const flagged = results
      .filter((r) => r.messages.length > 0)
      .map((r) => r.filePath.slice(tree.length + 1))
      .sort();
    // createRequire under any name is refused by the import of node:module itself.
    expect(flagged).toEqual(['src/loaded.ts', 'src/plain.ts', 'src/required.ts', 'src/subpath.ts']);
  }, 60_000);

  it('what scripts/ load from the build names a source file that exists', () => {
    const scripts = spawnSync('git', ['ls-files', 'scripts'], { cwd: root, encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .filter((f) => /\.m?js$/.test(f));
    const missing = scripts.flatMap((file) =>
      [...readFileSync(join(root, file), 'utf8').matchAll(/['"]((?:\.\.\/)+dist\/[^'"]+)\.js['"]/g)]
        .map((m) =>
          relative(root, resolve(dirname(join(root, file)), m[1] ?? '')).replace(/^dist\//, ''),
        )
        .filter((source) => !existsSync(join(root, `${source}.ts`)))
        .map((source) => `${file}: ${source}`),
    );
    expect(scripts.length).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });
});
