import { FatalError, outOfService } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/** One thing wrong in the configuration file, by key. */
export interface ConfigProblem {
  /** Dotted path of the key, e.g. `npki.iterations`. */
  readonly key: string;
  /** The value found, rendered for the operator (secrets never live in this file). */
  readonly got: string;
  /** What was expected. */
  readonly expected: string;
}

/** The configuration file is unreadable or invalid: the kiosk cannot start. */
export class ConfigError extends FatalError {
  readonly code = 'CONFIG_INVALID';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(describeProblems(file, problems), options);
  }
}

/**
 * The token catalogue (which PKCS#11 module serves which token, DESIGN §3.3) is unreadable or
 * invalid: the kiosk cannot tell which library to load, so it cannot start. `problems` name each
 * wrong key as for the configuration file.
 */
export class CatalogueError extends FatalError {
  readonly code = 'CATALOGUE_INVALID';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(describeProblems(file, problems), options);
  }
}

/**
 * The institutions file (DESIGN §1 step 1: who issues which certificate types, and the fees) is
 * unreadable or invalid: the kiosk cannot offer a choice, so it cannot start.
 */
export class InstitutionsError extends FatalError {
  readonly code = 'INSTITUTIONS_INVALID';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(describeProblems(file, problems), options);
  }
}

/** `file: key: got …, expected …; …`: the one-line form operators read in logs and on stderr. */
function describeProblems(file: string, problems: readonly ConfigProblem[]): string {
  return (
    `${file}: ` + problems.map((p) => `${p.key}: got ${p.got}, expected ${p.expected}`).join('; ')
  );
}
