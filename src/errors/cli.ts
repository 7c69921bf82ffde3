import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/** The command line is wrong (exit code 2, DESIGN §11). */
export class UsageError extends RetriableError {
  readonly code = 'CLI_USAGE';
  readonly reason: Reason = 'usage';
  readonly visitor = { ko: '잘못된 명령입니다.', en: 'The command is not valid.' };
}

/** A file the operator named (secret file, storage folder) cannot be read. */
export class InputFileError extends RetriableError {
  readonly code = 'CLI_INPUT_FILE';
  readonly reason: Reason = 'notFound';
  readonly visitor = { ko: '파일을 읽을 수 없습니다.', en: 'A file cannot be read.' };
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
