import { parseDocument, visit } from 'yaml';
import { ConfigError } from '../errors/index.js';
import { readBoundedFile } from '../shared/readBoundedFile.js';
import { problemsOf } from './problems.js';
import { configSchema, type Config } from './schema.js';

/** A configuration file larger than this is refused: it is a few hundred bytes in practice. */
const maxConfigBytes = 256 * 1024;

/**
 * Reads and validates a configuration file (JSON or YAML: YAML is a superset of JSON, so one
 * parser reads both). Throws ConfigError naming every key that is wrong, its value and what was
 * expected.
 */
export async function loadConfig(file: string): Promise<Config> {
  const read = await readBoundedFile(file, maxConfigBytes);
  if (!read.ok) {
    throw new ConfigError(
      file,
      [
        {
          key: '(file)',
          got: read.problem,
          expected: `a readable file of at most ${maxConfigBytes} bytes`,
        },
      ],
      {
        cause: read.cause,
      },
    );
  }
  return parseConfig(read.bytes.toString('utf8'), file);
}

/** Validates configuration text; `file` names it in errors. */
export function parseConfig(text: string, file: string): Config {
  // YAML 1.2 core schema only, with no other known tags resolved: no !!binary, !!set, !!omap or
  // !!timestamp (YAML 1.1 types that turn into objects the schema cannot describe); any warning is
  // an error, not a shrug. Aliases are refused: a configuration has no use for them, and they are
  // how YAML builds cycles and billion-laughs expansions.
  const doc = parseDocument(text, {
    schema: 'core',
    resolveKnownTags: false,
    uniqueKeys: true,
    logLevel: 'silent',
  });
  const trouble = doc.errors[0] ?? doc.warnings[0];
  if (trouble !== undefined) {
    const line = trouble.linePos?.[0].line;
    const what = trouble.code.toLowerCase().replace(/_/g, ' ');
    throw syntaxError(file, `${what}${line === undefined ? '' : ` at line ${line}`}`);
  }
  let aliases = 0;
  visit(doc, {
    Alias() {
      aliases++;
      return visit.BREAK;
    },
  });
  if (aliases > 0) throw syntaxError(file, 'a YAML alias (*name)');
  const raw: unknown = doc.toJS();
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new ConfigError(
    file,
    result.error.issues.flatMap((issue) => problemsOf(issue, raw)),
  );
}

function syntaxError(file: string, got: string): ConfigError {
  return new ConfigError(file, [
    { key: '(syntax)', got, expected: 'JSON or YAML without tags or aliases' },
  ]);
}
