import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { configSchema, type Config } from './schema.js';

/** A configuration file larger than this is refused: it is a few hundred bytes in practice. */
const maxConfigBytes = 256 * 1024;

/**
 * Reads and validates a configuration file (JSON or YAML: YAML is a superset of JSON, so one
 * parser reads both). Throws ConfigError naming every key that is wrong, its value and what was
 * expected.
 */
export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > maxConfigBytes) {
      throw new ConfigError(file, [
        {
          key: '(file)',
          got: `${bytes.length} bytes`,
          expected: `at most ${maxConfigBytes} bytes`,
        },
      ]);
    }
    text = bytes.toString('utf8');
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(file, [{ key: '(file)', got: code, expected: 'a readable file' }], {
      cause,
    });
  }
  return parseConfig(text, file);
}

/** Validates configuration text; `file` names it in errors. */
export function parseConfig(text: string, file: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 16, uniqueKeys: true });
  } catch (cause) {
    const where =
      cause instanceof YAMLParseError ? ` at line ${cause.linePos?.[0].line ?? '?'}` : '';
    throw new ConfigError(
      file,
      [{ key: '(syntax)', got: `a syntax error${where}`, expected: 'JSON or YAML' }],
      { cause },
    );
  }
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.flatMap((issue) => problemsOf(issue, raw)),
  );
}

function problemsOf(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      key: [...path, key].join('.'),
      got: render(valueAt(raw, [...path, key])),
      expected: 'no such key (misspelt?)',
    }));
  }
  return [
    {
      key: path.join('.') || '(root)',
      got: render(valueAt(raw, path)),
      expected: expectedOf(issue),
    },
  ];
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `a value of type ${issue.expected}`;
    case 'too_small':
      return `${issue.origin === 'number' ? 'a number' : 'a value'} ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'number' ? 'a number' : 'a value'} ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
