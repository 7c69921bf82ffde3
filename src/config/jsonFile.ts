import type { z } from 'zod';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import type { ConfigProblem } from '../errors/index.js';
import { problemsOf } from './problems.js';

/**
 * A JSON data file an operator edits (the token catalogue, the institutions): bounded, parsed,
 * checked against its schema, every wrong key named. `fail` makes the caller's error class.
 */
export interface JsonFileKind<T> {
  readonly schema: z.ZodType<T>;
  readonly maxBytes: number;
  readonly fail: (
    source: string,
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) => Error;
}

export async function loadJsonFile<T>(file: string, kind: JsonFileKind<T>): Promise<T> {
  const read = await readBoundedFile(file, kind.maxBytes);
  if (!read.ok)
    throw kind.fail(
      file,
      [
        {
          key: '(file)',
          got: read.problem,
          expected: `a readable file of at most ${String(kind.maxBytes)} bytes`,
        },
      ],
      { cause: read.cause },
    );
  return parseJsonText(read.bytes.toString('utf8'), file, kind);
}

/** Validates JSON text; `source` names it in errors. */
export function parseJsonText<T>(text: string, source: string, kind: JsonFileKind<T>): T {
  let raw: unknown;
  try {
    // Editors on Windows may save a byte-order mark; JSON.parse refuses it.
    raw = JSON.parse(text.startsWith('\ufeff') ? text.slice(1) : text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : 'unparsable';
    throw kind.fail(
      source,
      [
        {
          key: '(syntax)',
          got: detail.length > 100 ? `${detail.slice(0, 97)}...` : detail,
          expected: 'JSON',
        },
      ],
      { cause },
    );
  }
  const result = kind.schema.safeParse(raw);
  if (result.success) return result.data;
  throw kind.fail(
    source,
    result.error.issues.flatMap((issue) => problemsOf(issue, raw)),
  );
}
