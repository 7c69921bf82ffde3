import type { DerContext } from '../shared/der.js';
import { MalformedFileError, TruncatedFileError, type NpkiFileKind } from '../errors/index.js';

/** Largest file the NPKI readers accept; real signPri.key files are ~1.3 KB, certificates ~2 KB. */
export const maxNpkiFileBytes = 64 * 1024;

const contexts = new Map<NpkiFileKind, DerContext>();

/** DER reading of an NPKI file: TruncatedFileError and MalformedFileError naming the file kind. */
export function npkiDer(file: NpkiFileKind): DerContext {
  let ctx = contexts.get(file);
  if (ctx === undefined) {
    ctx = {
      truncated: (expected, actual) => new TruncatedFileError(file, expected, actual),
      malformed: (detail, cause) => new MalformedFileError(file, detail, { cause }),
      maxBytes: maxNpkiFileBytes,
    };
    contexts.set(file, ctx);
  }
  return ctx;
}
