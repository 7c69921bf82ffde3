import type { ReadProgress } from '../../drivers/emrtd/reader.js';
import type { CscaTrust } from '../../drivers/emrtd/sod.js';
import {
  readDocument as readChip,
  type DocumentReading,
  type MrzFields,
} from '../document/readDocument.js';
import type { ServiceContext } from './medium.js';

/** The PC/SC readers present, with the ATR of the card in each (if any). */
export async function listReaders(
  ctx: ServiceContext,
): Promise<{ readonly name: string; readonly atr?: Uint8Array }[]> {
  return ctx.devices.pcsc().readers();
}

export interface ReadDocumentRequest {
  /** The reader; default: the first with a card. */
  readonly reader?: string;
  /** The MRZ lines, or the three BAC fields as typed (BAC). */
  readonly mrz: string | readonly string[] | MrzFields;
  /** CSCA certificates trusted (Passive Authentication). */
  readonly trust?: CscaTrust;
  readonly signal?: AbortSignal;
  /** Bytes read of each file, between APDUs. */
  readonly onProgress?: (progress: ReadProgress) => void;
}

/**
 * Reads and verifies the ID document's chip in a reader (ICAO 9303 BAC, data groups, Passive and
 * Active Authentication), with the configuration's Document Signer policy; the card is let go
 * after, whatever happened.
 */
export async function readDocument(
  ctx: ServiceContext,
  request: ReadDocumentRequest,
): Promise<DocumentReading> {
  const transport = await ctx.devices.pcsc().connect(request.reader);
  try {
    return await readChip({
      transport,
      mrz: request.mrz,
      ...(request.trust === undefined ? {} : { trust: request.trust }),
      documentSignerPolicy: ctx.config.emrtd,
      now: ctx.now(),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
    });
  } finally {
    await transport.close();
  }
}
