import {
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
  type LevelWithSilent,
} from 'pino';
import { LogUnwritableError } from '../errors/index.js';
import { maskResidentNumbers, redactSecrets } from './redact.js';
import { rotatingFile, type Rotation } from './rotatingFile.js';

export type { Logger } from 'pino';

/** Where and how much to log. */
export interface LoggerOptions {
  readonly level: LevelWithSilent;
  /** A JSON-lines file, or a stream (tests); null: nothing is written. */
  readonly destination: string | DestinationStream | null;
  /** For a file: when it is set aside, and how many old ones are kept. */
  readonly rotation?: Rotation;
}

/** `log.maxBytes` and `log.keep` by default. */
export const defaultRotation: Rotation = { maxBytes: 10 * 1024 * 1024, keep: 5 };

/**
 * A structured JSON-lines logger (pino) whose every record passes through redactSecrets, and
 * whose message strings have resident numbers masked.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (options.destination === null) return pino({ level: 'silent' });
  let stream: DestinationStream;
  if (typeof options.destination === 'string') {
    try {
      stream = rotatingFile(options.destination, options.rotation ?? defaultRotation);
    } catch (cause) {
      throw new LogUnwritableError(options.destination, { cause });
    }
  } else {
    stream = options.destination;
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      // Redaction serialises errors itself (type, code, typed fields, cause chain): pino's own err
      // serializer would run after it and see only a plain object.
      serializers: { err: (value: unknown) => value },
      formatters: { log: (record) => redactSecrets(record) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskResidentNumbers(a) : a));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}
