// Errors of `kiosk start`: its demo's world (src/kiosk/demo/demoWorld.ts) and its lock of one
// kiosk per state folder (src/kiosk/stateLock.ts), raised to the operator's CLI as one line
// `kiosk: CODE: message` (a visitor never sees these).
import { RetriableError } from '../shared/kioskError.js';
import type { Reason } from '../shared/reason.js';

const operatorOnly = {
  ko: '키오스크를 시작할 수 없습니다.',
  en: 'The kiosk cannot start.',
} as const;

/** The demo's world under `<home>/var/demo` cannot be made or used (a file in a folder's place). */
export class DemoWorldError extends RetriableError {
  readonly code = 'DEMO_WORLD';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = operatorOnly;
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}

/**
 * Another `kiosk start` runs on the same state folder: a second one would take the first's visits
 * in progress for a crash's and cancel them (recovery at start).
 */
export class KioskRunningError extends RetriableError {
  readonly code = 'KIOSK_RUNNING';
  readonly reason: Reason = 'alreadyExists';
  readonly visitor = operatorOnly;
  constructor(
    readonly lockFile: string,
    readonly pid: number,
  ) {
    super(
      `another kiosk (pid ${String(pid)}) runs on this state folder; stop it first (${lockFile})`,
    );
  }
}

/** The kiosk's state folder cannot be made or locked (a file in its place, no permission). */
export class StateFolderError extends RetriableError {
  readonly code = 'KIOSK_STATE';
  readonly reason: Reason = 'configInvalid';
  readonly visitor = operatorOnly;
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
  }
}
