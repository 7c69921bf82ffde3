import type { z } from 'zod';
import type { ConfigProblem } from '../errors/index.js';

// One way to turn schema issues into per-key problems (DESIGN §6: every error names the key and the
// expected value), shared by the configuration file and the token catalogue.

/** The problems of one zod issue; `raw` is the parsed document, for showing the value found. */
export function problemsOf(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      key: keyName([...path, key]),
      got: render(valueAt(raw, [...path, key])),
      expected: 'no such key (misspelt?)',
    }));
  }
  return [{ key: keyName(path), got: render(valueAt(raw, path)), expected: expectedOf(issue) }];
}

/** Dotted key path for the operator; an empty key is shown as "" so the message stays readable. */
export function keyName(path: readonly string[]): string {
  return path.length === 0 ? '(root)' : path.map((k) => (k === '' ? '""' : k)).join('.');
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_type':
      return `a value of type ${issue.expected}`;
    case 'too_small':
      return `${subjectOf(issue.origin)} ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}${unitOf(issue.origin)}`;
    case 'too_big':
      return `${subjectOf(issue.origin)} ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}${unitOf(issue.origin)}`;
    default:
      return issue.message;
  }
}

/** What a size bound applies to: "a string of ≤ 200 characters", "a list of ≤ 64 items". */
function subjectOf(origin: string): string {
  switch (origin) {
    case 'number':
      return 'a number';
    case 'string':
      return 'a string of';
    case 'array':
      return 'a list of';
    default:
      return 'a value';
  }
}

function unitOf(origin: string): string {
  switch (origin) {
    case 'string':
      return ' characters';
    case 'array':
      return ' items';
    default:
      return '';
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

/** A value as the operator reads it: JSON, numbers as JS writes them, at most 60 characters. */
export function render(value: unknown): string {
  if (value === undefined) return 'nothing';
  // NaN and ±Infinity have no JSON form; a cyclic value (YAML alias loop) is caught by toJS already.
  const text =
    typeof value === 'number'
      ? String(value)
      : ((JSON.stringify(value) as string | undefined) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
