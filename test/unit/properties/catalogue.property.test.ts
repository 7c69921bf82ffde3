import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogueError } from '../../../src/errors/index.js';
import {
  candidateModules,
  entryForToken,
  modulesForUsbDevice,
  parseCatalogue,
  type Catalogue,
} from '../../../src/tokens/catalogue.js';
import { outcomeOf, propertyTimeout as timeout } from '../../support/property.js';

// DESIGN §3.3 and §8: the token catalogue comes from outside; a bad one is a CatalogueError that
// names what is wrong, never a crash. The timeout of each `it` is the hang guard.

/** parseCatalogue must return a Catalogue or throw a CatalogueError with well-formed problems. */
function catalogueOutcome(text: string): Catalogue | CatalogueError {
  const outcome = outcomeOf(() => parseCatalogue(text, 'tokens.json'), CatalogueError);
  if ('error' in outcome) {
    const { error } = outcome;
    expect(error.code).toBe('CATALOGUE_INVALID');
    expect(error.file).toBe('tokens.json');
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.key).not.toBe('');
      expect(problem.got).not.toBe('');
      expect(problem.expected).not.toBe('');
    }
    return error;
  }
  const catalogue = outcome.value;
  for (const entry of catalogue.modules) {
    expect(entry.module.startsWith('/')).toBe(true);
    for (const id of entry.usb ?? []) expect(id).toMatch(/^[0-9a-f]{4}:[0-9a-f]{4}$/);
  }
  return catalogue;
}

/** Values that are nearly right, and anything JSON can hold. */
const nearMiss = fc.constantFrom<unknown>(
  ...['/usr/lib/x.so', 'x.so', '', '1234:abcd', '1234:ABCD', '^SoftHSM', '(', '[z-a]', '\\'],
  ...[0, -1, 1.5, true, null, [], {}, ['1234:abcd'], ['nope']],
);
const anyValue = fc.oneof(nearMiss, fc.jsonValue({ maxDepth: 2 }));
const valueOr = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 2, arbitrary: good }, anyValue);

const hex4 = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16).padStart(4, '0'));
const goodUsbId = fc.tuple(hex4, hex4).map(([v, p]) => `${v}:${p}`);
/** Strings from regex syntax: most compile, some do not. */
const patternish = fc.string({
  unit: fc.constantFrom(
    '^',
    '$',
    '(',
    ')',
    '[',
    ']',
    '\\',
    '*',
    '+',
    '?',
    '{2}',
    '|',
    'a',
    'S',
    '-',
  ),
  maxLength: 12,
});

/** Entries with wrong types and unknown keys mixed in. */
const entryLike = fc
  .tuple(
    fc.record(
      {
        name: valueOr(fc.string({ minLength: 1, maxLength: 10 })),
        module: valueOr(fc.string({ maxLength: 10 }).map((s) => `/${s}`)),
        usb: valueOr(fc.array(fc.oneof(goodUsbId, anyValue), { maxLength: 3 })),
        manufacturer: valueOr(patternish),
        label: valueOr(patternish),
      },
      { requiredKeys: [] },
    ),
    fc.array(fc.tuple(fc.constantFrom('lable', '', '__proto__', 'usbs', 'Module'), anyValue), {
      maxLength: 1,
    }),
  )
  .map(([entry, extras]) => Object.fromEntries([...extras, ...Object.entries(entry)]));

const catalogueLike = fc.record(
  { $schema: valueOr(fc.string()), modules: valueOr(fc.array(entryLike, { maxLength: 4 })) },
  { requiredKeys: [] },
);

describe('parseCatalogue on malformed input (properties)', () => {
  it(
    'arbitrary text: a Catalogue or a CatalogueError',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
          catalogueOutcome(text);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'any JSON value: a Catalogue or a CatalogueError',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
          const outcome = catalogueOutcome(JSON.stringify(value));
          if (!(outcome instanceof CatalogueError)) expect(value).toHaveProperty('modules');
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'catalogue-shaped objects: accepted ones match without throwing, refused ones name keys',
    () => {
      let accepted = 0;
      fc.assert(
        fc.property(
          catalogueLike,
          fc.string({ maxLength: 32 }),
          fc.string({ maxLength: 32 }),
          fc.integer({ min: -1, max: 0x10000 }),
          (raw, label, manufacturer, id) => {
            const outcome = catalogueOutcome(JSON.stringify(raw));
            if (outcome instanceof CatalogueError) {
              // Every named key is one of the format's keys or under one (extras live in entries).
              for (const { key } of outcome.problems) {
                expect(key).toMatch(/^(\$schema|modules(\.\d+(\.[^.]*)*)?)$/);
              }
              return;
            }
            accepted++;
            // Matching never throws on an accepted catalogue, whatever the token says.
            for (const entry of outcome.modules) {
              const claimed = entryForToken(outcome, entry.module, { label, manufacturer });
              if (claimed !== undefined) expect(claimed.module).toBe(entry.module);
            }
            const modules = modulesForUsbDevice(outcome, id, id);
            expect(new Set(modules).size).toBe(modules.length);
            expect(candidateModules(outcome, () => true)).toEqual([
              ...new Set(outcome.modules.map((entry) => entry.module)),
            ]);
          },
        ),
        { numRuns: 400 },
      );
      // The generator reaches valid catalogues, not only refusals.
      expect(accepted).toBeGreaterThan(10);
    },
    timeout,
  );
});
