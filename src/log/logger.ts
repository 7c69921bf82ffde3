import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  destination,
  pino,
  stdTimeFunctions,
  type DestinationStream,
  type Logger,
  type LevelWithSilent,
} from 'pino';
import { LogUnwritableError } from '../errors/index.js';
import { maskResidentNumbers, redactSecrets } from './redact.js';

export type { Logger } from 'pino';

/** Where and how much to log. */
export interface LoggerOptions {
  readonly level: LevelWithSilent;
  /** A JSON-lines file, or a stream (tests); null: nothing is written. */
  readonly destination: string | DestinationStream | null;
}

/**
 * A structured JSON-lines logger (pino) whose every record passes through redactSecrets, and
 * whose message strings have resident numbers masked.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (options.destination === null) return pino({ level: 'silent' });
  let stream: DestinationStream;
  if (typeof options.destination === 'string') {
    try {
      mkdirSync(dirname(options.destination), { recursive: true });
      stream = destination({ dest: options.destination, append: true, sync: true });
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
