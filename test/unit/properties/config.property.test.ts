// Over 400 lines as one unit (issue 12): one parser's property suite; every property uses the same
// YAML generators.
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { ConfigError, UsageError, type ConfigProblem } from '../../../src/errors/index.js';
import { iterationBounds, minWriteIterations } from '../../../src/npki/signPriKey.js';
import { parseStorageSpec } from '../../../src/storage/spec.js';
import { outcomeOf, propertyTimeout as timeout } from '../../support/property.js';

// DESIGN §8: the configuration file and the storage SPEC come from outside; a bad one is a typed
// error that names what is wrong, never a crash. The timeout of each `it` is the hang guard.

const syntaxExpected = 'JSON or YAML without tags or aliases';
/** What a YAML alias anywhere in the text gives: one (syntax) problem, before any schema check. */
const aliasProblem = { key: '(syntax)', got: 'a YAML alias (*name)', expected: syntaxExpected };

/** parseConfig must return a Config or throw a ConfigError with well-formed problems. */
function configOutcome(text: string): Config | ConfigError {
  const outcome = outcomeOf(() => parseConfig(text, 'test.yaml'), ConfigError);
  if ('error' in outcome) {
    const { error } = outcome;
    expect(error.file).toBe('test.yaml');
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.key).not.toBe('');
      expect(problem.got).not.toBe('');
      expect(problem.expected).not.toBe('');
    }
    if (error.problems.some((problem) => problem.expected === syntaxExpected)) {
      expect(error.problems).toEqual([
        {
          key: '(syntax)',
          got: expect.stringMatching(
            /^([a-z0-9]+( [a-z0-9]+)*( at line \d+)?|a YAML alias \(\*name\))$/,
          ) as unknown,
          expected: syntaxExpected,
        },
      ]);
    }
    return error;
  }
  const config = outcome.value;
  expect(['ko', 'en']).toContain(config.language);
  expect(['pbes2', 'seedCbcWithSha1']).toContain(config.npki.writeFormat);
  expect(Number.isInteger(config.npki.iterations)).toBe(true);
  expect(config.npki.iterations).toBeGreaterThanOrEqual(minWriteIterations);
  expect(config.npki.iterations).toBeLessThanOrEqual(iterationBounds.max);
  expect(config.stateDir).not.toBe('');
  return config;
}

/** The problems of a ConfigError (fails the test when parseConfig returns a Config). */
function problemsOf(text: string): readonly ConfigProblem[] {
  const outcome = configOutcome(text);
  if (!(outcome instanceof ConfigError)) throw new Error(`expected a ConfigError for ${text}`);
  return outcome.problems;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** Strings built from YAML's syntax and the config's own words: deeper than random unicode. */
const yamlTokens = [
  ...['language', 'npki', 'log', 'stateDir', 'writeFormat', 'iterations'],
  ...['renewalWindowDays', 'level', 'file', 'ko', 'en', 'pbes2', 'seedCbcWithSha1', 'warn'],
  ...[':', ': ', '\n', '  ', '- ', '[', ']', '{', '}', ', ', '? ', '#', '"', "'", '|', '>'],
  ...['~', 'null', 'true', '1', '2048', '-1', '1e3', '.inf', '.nan', '0x10', '"\\u0000"'],
  ...['&a ', '*a', '&b ', '*b', '<<: ', '!!str ', '!!int ', '!!float ', '!!map ', '!!seq '],
  ...['!!null ', '!local ', '%YAML 1.2\n', '---\n', '...\n', '\t', '\r\n', '\u00a0', '\ufeff'],
];
const yamlish = fc.string({ unit: fc.constantFrom(...yamlTokens), maxLength: 40 });

/** Values that are nearly right, and anything JSON can hold. */
const nearMiss = fc.constantFrom<unknown>(
  ...['KO', 'ko ', '', 'PBES2', 'seedcbcwithsha1', '2048', 'INFO', 'var/state'],
  ...[0, -1, 1, 1.5, 365, 366, minWriteIterations - 1, minWriteIterations, 2048.5],
  ...[iterationBounds.max, iterationBounds.max + 1, 1e300, -0, true, false, null, [], {}],
);
const anyValue = fc.oneof(nearMiss, fc.jsonValue({ maxDepth: 2 }));
const valueOr = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 2, arbitrary: good }, anyValue);

const knownKeys = {
  root: ['language', 'npki', 'log', 'stateDir'],
  npki: ['writeFormat', 'iterations', 'renewalWindowDays'],
  log: ['level', 'file', 'maxBytes', 'keep'],
} as const;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Misspelt keys, the empty key among them. */
const extraEntries = (known: readonly string[]): fc.Arbitrary<[string, unknown][]> =>
  fc.array(
    fc.tuple(
      fc
        .oneof(
          fc.string({ maxLength: 10 }),
          fc.constantFrom('', '__proto__', 'constructor', 'toString', 'Language', 'state_dir'),
        )
        .filter((key) => !known.includes(key)),
      anyValue,
    ),
    { maxLength: 2 },
  );

const withExtras = (
  known: fc.Arbitrary<Record<string, unknown>>,
  keys: readonly string[],
): fc.Arbitrary<Record<string, unknown>> =>
  fc
    .tuple(known, fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, extraEntries(keys)))
    .map(([object, extras]) => Object.fromEntries([...extras, ...Object.entries(object)]));

const npkiLike = withExtras(
  fc.record(
    {
      writeFormat: valueOr(fc.constantFrom('pbes2', 'seedCbcWithSha1')),
      iterations: valueOr(fc.integer({ min: minWriteIterations, max: iterationBounds.max })),
      renewalWindowDays: valueOr(fc.integer({ min: 1, max: 365 })),
    },
    { requiredKeys: [] },
  ),
  knownKeys.npki,
);
const logLike = withExtras(
  fc.record(
    {
      level: valueOr(fc.constantFrom(...logLevels)),
      file: valueOr(fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 20 }))),
      maxBytes: valueOr(fc.integer({ min: 64 * 1024, max: 2 ** 40 })),
      keep: valueOr(fc.integer({ min: 0, max: 100 })),
    },
    { requiredKeys: [] },
  ),
  knownKeys.log,
);
/**
 * Objects shaped like the configuration, with wrong types and misspelt keys mixed in. The same
 * `[]` or `{}` (from nearMiss) may stand in two places: YAML writes the second as an alias.
 */
const configLike = withExtras(
  fc.record(
    {
      language: valueOr(fc.constantFrom('ko', 'en')),
      npki: valueOr(npkiLike),
      log: valueOr(logLike),
      stateDir: valueOr(fc.string({ minLength: 1, maxLength: 20 })),
    },
    { requiredKeys: [] },
  ),
  knownKeys.root,
);

/** How a config-shaped object is written out: YAML writes an object met twice as an alias. */
const textFormats = {
  json: (raw: unknown) => JSON.stringify(raw),
  yaml: (raw: unknown) => stringifyYaml(raw),
  'yaml without aliases': (raw: unknown) => stringifyYaml(raw, { aliasDuplicateObjects: false }),
} as const;
const textFormat = fc.constantFrom(...(Object.keys(textFormats) as (keyof typeof textFormats)[]));

/** Whether an object or array stands in more than one place in `value`. */
function sharesAnObject(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (seen.has(value)) return true;
  seen.add(value);
  return Object.values(value).some((child) => sharesAnObject(child, seen));
}

const isInt = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** A key path as the operator reads it: dotted, an empty key shown as "". */
const keyName = (...path: readonly string[]): string =>
  path.map((key) => (key === '' ? '""' : key)).join('.');

/** A value as the operator reads it: JSON, numbers as JS writes them, at most 60 characters. */
function rendered(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The problems (`key: got`) the schema must report, worked out independently of zod: each wrong
 * or unknown key once, with its value.
 */
function expectedProblems(raw: Record<string, unknown>): string[] {
  const problems = new Set<string>();
  const report = (value: unknown, ...path: string[]): void => {
    problems.add(`${keyName(...path)}: ${rendered(value)}`);
  };
  const section = (
    name: string,
    value: unknown,
    known: readonly string[],
    fields: Record<string, (field: unknown) => boolean>,
  ): void => {
    if (value === undefined) return;
    if (!isPlainObject(value)) {
      report(value, name);
      return;
    }
    for (const [key, field] of Object.entries(value)) {
      if (!known.includes(key)) report(field, name, key);
    }
    for (const [field, ok] of Object.entries(fields)) {
      if (Object.hasOwn(value, field) && !ok(value[field])) report(value[field], name, field);
    }
  };
  for (const [key, value] of Object.entries(raw)) {
    if (!(knownKeys.root as readonly string[]).includes(key)) report(value, key);
  }
  if (Object.hasOwn(raw, 'language') && raw.language !== 'ko' && raw.language !== 'en') {
    report(raw.language, 'language');
  }
  if (
    Object.hasOwn(raw, 'stateDir') &&
    !(typeof raw.stateDir === 'string' && raw.stateDir !== '')
  ) {
    report(raw.stateDir, 'stateDir');
  }
  section('npki', raw.npki, knownKeys.npki, {
    writeFormat: (v) => v === 'pbes2' || v === 'seedCbcWithSha1',
    iterations: (v) => isInt(v, minWriteIterations, iterationBounds.max),
    renewalWindowDays: (v) => isInt(v, 1, 365),
  });
  section('log', raw.log, knownKeys.log, {
    level: (v) => typeof v === 'string' && logLevels.includes(v),
    file: (v) => v === null || (typeof v === 'string' && v !== ''),
    maxBytes: (v) => isInt(v, 64 * 1024, 2 ** 40),
    keep: (v) => isInt(v, 0, 100),
  });
  return [...problems].sort();
}

describe('parseConfig on malformed input (properties)', () => {
  it(
    'arbitrary unicode text: a Config or a ConfigError with key, got and expected',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
          configOutcome(text);
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'text made of YAML syntax and config words: a Config or a ConfigError',
    () => {
      fc.assert(
        fc.property(yamlish, (text) => {
          configOutcome(text);
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );

  it(
    'any JSON value: a Config or a ConfigError',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
          const outcome = configOutcome(JSON.stringify(value));
          // Only an object (or nothing) can be a configuration.
          if (!(outcome instanceof ConfigError)) expect(value ?? {}).toBeTypeOf('object');
        }),
        { numRuns: 300 },
      );
    },
    timeout,
  );

  it(
    'config-shaped objects with wrong types, as JSON or YAML: exactly the wrong keys are named',
    () => {
      fc.assert(
        fc.property(configLike, textFormat, (raw, format) => {
          const text = textFormats[format](raw);
          const outcome = configOutcome(text);
          if (format === 'yaml' && sharesAnObject(raw)) {
            expect(outcome instanceof ConfigError && outcome.problems).toEqual([aliasProblem]);
            return;
          }
          const expected = expectedProblems(raw);
          if (outcome instanceof ConfigError) {
            const named = new Set(outcome.problems.map(({ key, got }) => `${key}: ${got}`));
            expect([...named].sort()).toEqual(expected);
          } else {
            expect(expected).toEqual([]);
            if (typeof raw.language === 'string') expect(outcome.language).toBe(raw.language);
            if (typeof raw.stateDir === 'string') expect(outcome.stateDir).toBe(raw.stateDir);
          }
        }),
        { numRuns: 400 },
      );
    },
    timeout,
  );

  it(
    'a YAML "billion laughs" alias bomb is refused with a ConfigError, quickly',
    () => {
      const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      const names = 'abcdefghij';
      for (let i = 1; i < names.length; i++) {
        const alias = `*${names.charAt(i - 1)}`;
        laughs.push(`${names.charAt(i)}: &${names.charAt(i)} [${Array(9).fill(alias).join(',')}]`);
      }
      const started = performance.now();
      expect(problemsOf(laughs.join('\n'))).toEqual([aliasProblem]);
      expect(performance.now() - started).toBeLessThan(1000);
    },
    timeout,
  );

  it(
    'alias bombs of any depth and width: a ConfigError, quickly',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 12 }),
          fc.integer({ min: 2, max: 12 }),
          fc.boolean(),
          (depth, width, flow) => {
            const lines = ['l0: &l0 [lol, lol]'];
            for (let i = 1; i <= depth; i++) {
              const aliases = Array<string>(width).fill(`*l${i - 1}`);
              lines.push(
                flow
                  ? `l${i}: &l${i} [${aliases.join(', ')}]`
                  : [`l${i}: &l${i}`, ...aliases.map((a) => `  - ${a}`)].join('\n'),
              );
            }
            const started = performance.now();
            expect(problemsOf(lines.join('\n'))).toEqual([aliasProblem]);
            expect(performance.now() - started).toBeLessThan(1000);
          },
        ),
        { numRuns: 100 },
      );
    },
    timeout,
  );
});

describe('parseStorageSpec on arbitrary input (properties)', () => {
  it(
    'returns the SPEC that dir:PATH, usb:DEVICE or token:LABEL names, or throws UsageError',
    () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc
          .tuple(
            fc.constantFrom('dir:', 'usb:', 'token:', 'DIR:', 'file:', ':', 'dir', ' dir:', ''),
            fc.string({ unit: 'binary', maxLength: 40 }),
          )
          .map(([prefix, rest]) => prefix + rest),
      );
      fc.assert(
        fc.property(text, (spec) => {
          const match = /^(dir|usb|token):([\s\S]+)$/.exec(spec);
          const outcome = outcomeOf(() => parseStorageSpec(spec), UsageError);
          if ('error' in outcome) {
            expect(match).toBeNull();
            return;
          }
          const parsed = outcome.value;
          const [, kind, rest = ''] = match ?? [];
          expect(parsed.kind).toBe(kind);
          if (parsed.kind === 'dir') expect(parsed.path).toBe(resolve(rest));
          if (parsed.kind === 'usb') expect(parsed.device).toBe(resolve(rest));
          if (parsed.kind === 'token') expect(parsed.label).toBe(rest);
        }),
        { numRuns: 500 },
      );
    },
    timeout,
  );
});

describe('regressions: aliases and YAML 1.1 tags are syntax errors', () => {
  // Once a TypeError ("Converting circular structure to JSON") out of parseConfig.
  it.each(['language: &a [*a]', 'a: &a {b: *a}', '- &a [*a]', 'npki: &n {x: *n}'])(
    'a self-referencing alias (%j) is the (syntax) problem "a YAML alias"',
    (text) => {
      expect(problemsOf(text)).toEqual([aliasProblem]);
    },
    timeout,
  );

  it.each([
    'language: &a ko\nstateDir: *a',
    'npki: &n {}\nlog: *n',
    'log: {file: &f x, level: *f}',
  ])(
    'an alias that makes no cycle (%j) is refused all the same',
    (text) => {
      expect(problemsOf(text)).toEqual([aliasProblem]);
    },
    timeout,
  );

  // !!binary (a Buffer) once gave a TypeError; !!set and !!omap (a Set, a Map) once passed the
  // schema as an empty object, the keys inside silently ignored.
  it.each([
    ['!!binary aGVsbG8=', 1],
    ['npki: !!binary aGVsbG8=', 1],
    ['log: !!binary aGVsbG8=', 1],
    ['!!set {lnguage}', 1],
    ['!!omap [ {language: xx} ]', 1],
    ['language: en\nnpki: !!omap [ {iterations: 1} ]', 2],
    ['stateDir: !!timestamp 2001-12-14', 1],
    ['language: en\nlog:\n  file: !!timestamp 2001-12-14t21:59:43.10-05:00', 3],
  ])(
    'a YAML 1.1 type (%j) is the (syntax) problem "tag resolve failed at line %i"',
    (text, line) => {
      expect(problemsOf(text)).toEqual([
        { key: '(syntax)', got: `tag resolve failed at line ${line}`, expected: syntaxExpected },
      ]);
    },
    timeout,
  );

  it.each([
    ['{"language": "ko", "language": "en"}', 1],
    ['npki:\n  iterations: 2048\n  iterations: 4096', 3],
  ])(
    'a duplicate key (%j) is the (syntax) problem "duplicate key at line %i"',
    (text, line) => {
      expect(problemsOf(text)).toEqual([
        { key: '(syntax)', got: `duplicate key at line ${line}`, expected: syntaxExpected },
      ]);
    },
    timeout,
  );
});

describe('regressions: keys and values the operator can read', () => {
  // Once "test.yaml: : got 1, expected no such key": the empty key named as nothing.
  it.each([
    ['{"": 1}', '""', '1'],
    [': 1', '""', '1'],
    ['npki: {"": 2}', 'npki.""', '2'],
    ['log: {"": 2}', 'log.""', '2'],
    ['"": {"": 3}', '""', '{"":3}'],
  ])(
    'an empty key (%j) is named %s',
    (text, key, got) => {
      expect(problemsOf(text)).toEqual([{ key, got, expected: 'no such key (misspelt?)' }]);
    },
    timeout,
  );

  it.each([
    ['language: .nan', 'language', 'NaN'],
    ['npki: {iterations: .inf}', 'npki.iterations', 'Infinity'],
    ['npki: {renewalWindowDays: -.inf}', 'npki.renewalWindowDays', '-Infinity'],
    ['stateDir: .NaN', 'stateDir', 'NaN'],
  ])(
    'a value JSON cannot write (%j) is shown as JS writes it',
    (text, key, got) => {
      const problems = problemsOf(text);
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem).toMatchObject({ key, got });
    },
    timeout,
  );
});
