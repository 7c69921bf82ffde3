import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogueError, type ConfigProblem } from '../../../src/errors/index.js';
import {
  candidateModules,
  catalogueJsonSchema,
  entryForToken,
  loadCatalogue,
  maxCatalogueBytes,
  modulesForUsbDevice,
  parseCatalogue,
  type Catalogue,
} from '../../../src/tokens/catalogue.js';
import { defaultCatalogue } from '../../../src/tokens/defaultCatalogue.js';
import { tempDir } from '../../support/tempDir.js';

const softhsm = '/usr/lib/softhsm/libsofthsm2.so';
const opensc = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const vendor = '/opt/vendor/libvendor-p11.so';

/** A catalogue as an operator writes it; the USB ids are made up for the test. */
const sample = {
  $schema: './catalogue.schema.json',
  modules: [
    { name: 'Vendor token', module: vendor, usb: ['1234:abcd', '1234:abce'], label: '^KIOSK-' },
    { name: 'SoftHSM2', module: softhsm, manufacturer: '^SoftHSM' },
    { name: 'Vendor, any label', module: vendor, usb: ['1234:abcd'], manufacturer: 'Vendor Inc' },
    { name: 'OpenSC', module: opensc },
  ],
};

function parse(value: unknown): Catalogue {
  return parseCatalogue(typeof value === 'string' ? value : JSON.stringify(value), 'tokens.json');
}

/** The problems parseCatalogue reports (fails the test when it accepts the input). */
function problems(value: unknown): readonly ConfigProblem[] {
  try {
    parse(value);
  } catch (error) {
    if (error instanceof CatalogueError) {
      expect(error.file).toBe('tokens.json');
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected a CatalogueError');
}

/** `sample` with its first entry changed. */
function withFirstEntry(changes: Record<string, unknown>): unknown {
  const [first, ...rest] = sample.modules;
  return { modules: [{ ...first, ...changes }, ...rest] };
}

describe('token catalogue: parsing', () => {
  it('accepts a valid catalogue and keeps it as written', () => {
    expect(parse(sample)).toEqual(sample);
    expect(parse({ modules: [] })).toEqual({ modules: [] });
  });

  it('accepts a leading byte-order mark, as some editors save one', () => {
    expect(parse(`\ufeff${JSON.stringify(sample)}`)).toEqual(sample);
  });

  it('refuses text that is not JSON, with the parser position', () => {
    expect(problems('{"modules": [}')).toEqual([
      { key: '(syntax)', got: expect.stringContaining('JSON') as unknown, expected: 'JSON' },
    ]);
    expect(problems('')).toMatchObject([{ key: '(syntax)' }]);
    // YAML is the configuration's, not the catalogue's: a data file has one syntax.
    expect(problems('modules: []')).toMatchObject([{ key: '(syntax)' }]);
  });

  it('refuses unknown keys, naming the key path', () => {
    expect(problems({ modules: [], module: [] })).toEqual([
      { key: 'module', got: '[]', expected: 'no such key (misspelt?)' },
    ]);
    expect(problems(withFirstEntry({ lable: '^KIOSK' }))).toEqual([
      { key: 'modules.0.lable', got: '"^KIOSK"', expected: 'no such key (misspelt?)' },
    ]);
  });

  it('refuses missing and mistyped keys', () => {
    expect(problems({})).toEqual([
      { key: 'modules', got: 'nothing', expected: 'a value of type array' },
    ]);
    expect(problems([])).toEqual([
      { key: '(root)', got: '[]', expected: 'a value of type object' },
    ]);
    expect(problems({ modules: [{ module: softhsm }] })).toEqual([
      { key: 'modules.0.name', got: 'nothing', expected: 'a value of type string' },
    ]);
    expect(problems(withFirstEntry({ usb: '1234:abcd' }))).toEqual([
      { key: 'modules.0.usb', got: '"1234:abcd"', expected: 'a value of type array' },
    ]);
  });

  it.each([
    ['1234:ABCD', 'upper case'],
    ['1234abcd', 'no colon'],
    ['123:abcd', 'three digits'],
    ['0x1234:0xabcd', 'a 0x prefix'],
    [' 1234:abcd', 'a space'],
  ])('refuses the USB id %j (%s), naming its index', (id) => {
    expect(problems(withFirstEntry({ usb: ['1234:abcd', id] }))).toEqual([
      {
        key: 'modules.0.usb.1',
        got: JSON.stringify(id),
        expected: 'a USB id "vvvv:pppp" in lowercase hexadecimal',
      },
    ]);
  });

  it.each(['lib/libsofthsm2.so', './libsofthsm2.so', 'libsofthsm2.so', ''])(
    'refuses the relative module path %j',
    (module) => {
      expect(problems(withFirstEntry({ module }))).toEqual([
        {
          key: 'modules.0.module',
          got: JSON.stringify(module),
          expected: 'an absolute path (starting with /)',
        },
      ]);
    },
  );

  it('refuses patterns that do not compile, are empty or are too long', () => {
    const compiles = 'a JavaScript regular expression that compiles';
    expect(problems(withFirstEntry({ label: '^KIOSK-(' }))).toEqual([
      { key: 'modules.0.label', got: '"^KIOSK-("', expected: compiles },
    ]);
    expect(problems(withFirstEntry({ manufacturer: '[z-a]' }))).toEqual([
      { key: 'modules.0.manufacturer', got: '"[z-a]"', expected: compiles },
    ]);
    expect(problems(withFirstEntry({ label: '' }))).toEqual([
      { key: 'modules.0.label', got: '""', expected: 'a string of ≥ 1 characters' },
    ]);
    expect(problems(withFirstEntry({ label: 'a'.repeat(201) }))).toEqual([
      {
        key: 'modules.0.label',
        got: `"${'a'.repeat(56)}...`,
        expected: 'a string of ≤ 200 characters',
      },
    ]);
    expect(parse(withFirstEntry({ label: 'a'.repeat(200) })).modules[0]?.label).toHaveLength(200);
  });

  it('names every wrong key at once', () => {
    const bad = {
      modules: [
        { name: 'a', module: 'rel.so', usb: ['x'] },
        { name: 'b', module: softhsm, label: '(' },
      ],
    };
    expect(problems(bad).map((p) => p.key)).toEqual([
      'modules.0.module',
      'modules.0.usb.0',
      'modules.1.label',
    ]);
  });

  it('the message names the file, each key, the value and what was expected', () => {
    expect(() => parse(withFirstEntry({ module: 'rel.so' }))).toThrow(
      'tokens.json: modules.0.module: got "rel.so", expected an absolute path (starting with /)',
    );
  });

  it('the default catalogue passes its own schema and holds only verified entries', () => {
    expect(parse(defaultCatalogue)).toEqual(defaultCatalogue);
    expect(defaultCatalogue.modules.map((e) => e.module)).toEqual([softhsm, opensc]);
    expect(defaultCatalogue.modules.some((e) => e.usb !== undefined)).toBe(false);
  });
});

describe('token catalogue: files', () => {
  it('loads a file from disk', async () => {
    const file = join(tempDir('catalogue-'), 'tokens.json');
    writeFileSync(file, JSON.stringify(sample));
    expect(await loadCatalogue(file)).toEqual(sample);
  });

  it('refuses a file over the size bound without reading it all', async () => {
    const file = join(tempDir('catalogue-'), 'huge.json');
    writeFileSync(file, `{"modules": []}${' '.repeat(maxCatalogueBytes)}`);
    await expect(loadCatalogue(file)).rejects.toMatchObject({
      code: 'CATALOGUE_INVALID',
      file,
      problems: [
        {
          key: '(file)',
          got: `larger than ${maxCatalogueBytes} bytes`,
          expected: `a readable file of at most ${maxCatalogueBytes} bytes`,
        },
      ],
    });
  });

  it('refuses a missing file, a device and a folder', async () => {
    await expect(loadCatalogue('/nonexistent/tokens.json')).rejects.toMatchObject({
      problems: [{ key: '(file)', got: 'ENOENT' }],
    });
    await expect(loadCatalogue('/dev/zero')).rejects.toMatchObject({
      problems: [{ key: '(file)', got: 'not a regular file' }],
    });
    await expect(loadCatalogue(tempDir('catalogue-'))).rejects.toBeInstanceOf(CatalogueError);
  });

  it('a bad file is a CatalogueError naming the file and the key', async () => {
    const file = join(tempDir('catalogue-'), 'tokens.json');
    writeFileSync(file, JSON.stringify({ modules: [{ name: 'x', module: 'x.so' }] }));
    await expect(loadCatalogue(file)).rejects.toMatchObject({
      file,
      problems: [{ key: 'modules.0.module' }],
    });
  });

  // Regenerate after changing the schema: npm run build && node scripts/catalogue-schema.mjs
  it('the committed JSON Schema is what the zod schema generates now', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../src/tokens/catalogue.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(catalogueJsonSchema());
  });
});

describe('token catalogue: matching', () => {
  const catalogue = parse(sample);

  it('finds the modules for a USB device by vendor:product, in order, each once', () => {
    expect(modulesForUsbDevice(catalogue, 0x1234, 0xabcd)).toEqual([vendor]);
    expect(modulesForUsbDevice(catalogue, 0x1234, 0xabce)).toEqual([vendor]);
    expect(modulesForUsbDevice(catalogue, 0x1234, 0xabcf)).toEqual([]);
    const two = parse({
      modules: [
        { name: 'b', module: '/b.so', usb: ['0001:0002'] },
        { name: 'a', module: '/a.so', usb: ['0001:0002'] },
        { name: 'b again', module: '/b.so', usb: ['0001:0002'] },
      ],
    });
    expect(modulesForUsbDevice(two, 1, 2)).toEqual(['/b.so', '/a.so']);
  });

  it('finds nothing for ids that are not 16-bit unsigned integers', () => {
    for (const [v, p] of [
      [-1, 0],
      [0x10000, 0xabcd],
      [0x1234, 1.5],
      [Number.NaN, 0xabcd],
    ] as const) {
      expect(modulesForUsbDevice(catalogue, v, p)).toEqual([]);
    }
  });

  it('an entry claims a token of its module when every pattern it gives matches', () => {
    const token = (label: string, manufacturer: string) => ({ label, manufacturer });
    expect(entryForToken(catalogue, vendor, token('KIOSK-01', 'Other'))?.name).toBe('Vendor token');
    // The first entry's label does not match; the third claims by manufacturer.
    expect(entryForToken(catalogue, vendor, token('alice', 'Vendor Inc.'))?.name).toBe(
      'Vendor, any label',
    );
    expect(entryForToken(catalogue, vendor, token('alice', 'Other'))).toBeUndefined();
    // RegExp test: unanchored unless the pattern anchors itself.
    expect(entryForToken(catalogue, vendor, token('x', 'The Vendor Inc'))?.name).toBe(
      'Vendor, any label',
    );
    expect(entryForToken(catalogue, vendor, token('my KIOSK-01', 'Other'))).toBeUndefined();
    expect(entryForToken(catalogue, softhsm, token('t', 'SoftHSM project'))?.name).toBe('SoftHSM2');
    expect(entryForToken(catalogue, softhsm, token('t', 'Not SoftHSM'))).toBeUndefined();
    // An entry without patterns claims every token of its module; no other module's.
    expect(entryForToken(catalogue, opensc, token('', ''))?.name).toBe('OpenSC');
    expect(entryForToken(catalogue, '/elsewhere.so', token('KIOSK-01', 'SoftHSM'))).toBeUndefined();
  });

  it('lists the modules present on this machine, in catalogue order, each once', () => {
    const present = new Set([opensc, vendor]);
    const asked: string[] = [];
    const exists = (path: string): boolean => {
      asked.push(path);
      return present.has(path);
    };
    expect(candidateModules(catalogue, exists)).toEqual([vendor, opensc]);
    expect(asked).toEqual([vendor, softhsm, opensc]);
    expect(candidateModules(parse({ modules: [] }), exists)).toEqual([]);
  });

  it('by default asks the file system', () => {
    const absent = parse({ modules: [{ name: 'none', module: '/nonexistent/lib.so' }] });
    expect(candidateModules(absent)).toEqual([]);
  });
});
