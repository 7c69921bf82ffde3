import { FatalError, outOfService, RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

/**
 * Reading or writing a medium failed at the file-system level (permission, I/O error, disk full,
 * read-only, a link where a folder belongs). `errno` is the system's code, e.g. `EACCES`.
 */
export class StorageIoError extends RetriableError {
  readonly code = 'STORAGE_IO';
  readonly reason: Reason = 'mediumError';
  readonly visitor = {
    ko: '저장 매체를 읽거나 쓸 수 없습니다. 매체를 확인하고 다시 시도해 주세요.',
    en: 'The storage medium cannot be read or written. Check it and try again.',
  };
  constructor(
    readonly path: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${errno}`, options);
  }
}

/** Wraps a file-system error as StorageIoError; anything already typed passes through. */
export function storageIoError(path: string, cause: unknown): Error {
  if (cause instanceof StorageIoError || !(cause instanceof Error)) return cause as Error;
  const errno = (cause as NodeJS.ErrnoException).code;
  return errno === undefined ? cause : new StorageIoError(path, errno, { cause });
}

/** The log file cannot be opened: the kiosk must not run without its log. */
export class LogUnwritableError extends FatalError {
  readonly code = 'LOG_UNWRITABLE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = outOfService;
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    const errno = (options?.cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
    super(`log.file ${path} cannot be written (${errno})`, options);
  }
}
