import { randomBytes } from 'node:crypto';
import type { ApduTransport } from '../../drivers/pcsc/contract.js';
import {
  verifyActiveAuthentication,
  type ActiveAuthenticationResult,
} from '../../drivers/emrtd/aa.js';
import {
  fileIds,
  parseDg1,
  parseDg11,
  parseDg15,
  parseDg2,
  parseEfCom,
  type Dg1,
  type Dg11,
} from '../../drivers/emrtd/lds.js';
import { bacKeySeedInput, parseMrz } from '../../drivers/emrtd/mrz.js';
import { ChipFileError, ChipStatusError } from '../errors/index.js';
import { EmrtdReader, type ReadProgress } from '../../drivers/emrtd/reader.js';
import {
  parseSod,
  passiveAuthentication,
  type CscaTrust,
  type DocumentSignerPolicy,
  type PassiveAuthenticationResult,
} from '../../drivers/emrtd/sod.js';

/** What reading an ID document's chip gives the teller (issue 6). */
export interface DocumentReading {
  readonly document: Dg1;
  readonly details?: Dg11;
  readonly photo?: {
    readonly format: 'jpeg' | 'jpeg2000';
    readonly width: number;
    readonly height: number;
    readonly bytes: Uint8Array;
  };
  /**
   * The data groups EF.COM or EF.SOD list, which of them were read, and which the SOD signs but
   * the chip would not give (each makes the document not verified).
   */
  readonly dataGroups: {
    readonly listed: readonly number[];
    readonly read: readonly number[];
    readonly withheld: readonly number[];
  };
  /** Passive Authentication: the data is what the issuing state signed (9303-11 §5.1). */
  readonly passiveAuthentication:
    | PassiveAuthenticationResult
    | { readonly ok: false; readonly skipped: 'noTrustStore' | 'noSod' };
  /** Active Authentication: the chip holds DG15's private key, so it is not a copy (§6.1). */
  readonly activeAuthentication:
    | ActiveAuthenticationResult
    | { readonly ok: false; readonly skipped: 'noDg15' }
    /** DG15 announces an AA key, yet the chip refuses INTERNAL AUTHENTICATE: a copy, likely. */
    | { readonly ok: false; readonly failure: 'refusedByChip'; readonly detail: string };
  /** Every check that could run passed, and Passive Authentication ran. */
  readonly verified: boolean;
}

export interface ReadDocumentRequest {
  readonly transport: ApduTransport;
  /**
   * The MRZ lines as scanned, or the three fields BAC needs as the visitor typed them (document
   * number, birth and expiry dates, YYMMDD; their check digits are computed).
   */
  readonly mrz: string | readonly string[] | MrzFields;
  /** CSCA certificates trusted (without them Passive Authentication cannot run). */
  readonly trust?: CscaTrust;
  /** What a Document Signer must be beyond a valid chain (`emrtd.*`; ICAO's defaults). */
  readonly documentSignerPolicy?: DocumentSignerPolicy;
  readonly now: Date;
  readonly onProgress?: (progress: ReadProgress) => void;
  readonly signal?: AbortSignal;
}

/** The data groups read when EF.COM lists them (DG3/DG4 need EAC, which is not done). */
const wanted = [1, 2, 11, 14, 15] as const;

/**
 * Reads and verifies an eMRTD (ICAO 9303-10/-11): BAC with the MRZ, EF.COM, DG1, DG2, DG11, DG14
 * and DG15 where listed, EF.SOD, then Passive Authentication of every data group read and Active
 * Authentication with a fresh challenge when DG15 is there. Verification failures are results;
 * reading failures (BAC refused, card pulled, secure messaging broken) are the typed errors.
 */
export async function readDocument(request: ReadDocumentRequest): Promise<DocumentReading> {
  const mrzInfo = mrzInfoOf(request.mrz);
  const reader = new EmrtdReader(request.transport);
  try {
    await reader.open({ mrzInfo }, request.signal === undefined ? {} : { signal: request.signal });
    const read = async (fid: number): Promise<Uint8Array | undefined> => {
      const result = await reader.readFile(fid, request.onProgress, request.signal);
      return result.present ? result.bytes : undefined;
    };
    const com = await read(fileIds.com);
    // EF.SOD first: it, not the unsigned EF.COM, says which data groups the document has, so a
    // chip (a clone, a relay) cannot hide DG15 or DG2 by leaving them out of EF.COM.
    const sod = await read(fileIds.sod);
    const signed =
      sod === undefined ? [] : [...parseSod(sod).ldsSecurityObject.dataGroupHashes.keys()];
    const listed = [
      ...new Set([...(com === undefined ? [] : parseEfCom(com).dataGroups), ...signed]),
    ].sort((a, b) => a - b);
    const groups = new Map<number, Uint8Array>();
    for (const n of wanted) {
      if (!listed.includes(n)) continue;
      const bytes = await read(fileIds.dataGroup(n));
      if (bytes !== undefined) groups.set(n, bytes);
    }
    const dg1 = groups.get(1);
    if (dg1 === undefined)
      throw new ChipFileError(fileIds.dataGroup(1), 'missing', 'every eMRTD has DG1 (the MRZ)');
    const pa: DocumentReading['passiveAuthentication'] =
      sod === undefined
        ? { ok: false, skipped: 'noSod' }
        : request.trust === undefined
          ? { ok: false, skipped: 'noTrustStore' }
          : passiveAuthentication(
              sod,
              groups,
              request.trust,
              request.now,
              request.documentSignerPolicy === undefined
                ? {}
                : { policy: request.documentSignerPolicy },
            );
    // A signed data group the kiosk reads but the chip would not give: not verified.
    const withheld = wanted.filter((n) => signed.includes(n) && !groups.has(n));
    const dg15 = groups.get(15);
    let aa: DocumentReading['activeAuthentication'] = signed.includes(15)
      ? { ok: false, failure: 'refusedByChip', detail: 'DG15 is signed in EF.SOD but was not read' }
      : { ok: false, skipped: 'noDg15' };
    if (dg15 !== undefined) {
      const challenge = new Uint8Array(randomBytes(8));
      try {
        const signature = await reader.internalAuthenticate(challenge, request.signal);
        aa = verifyActiveAuthentication(parseDg15(dg15).key, challenge, signature);
      } catch (error) {
        if (!(error instanceof ChipStatusError)) throw error;
        aa = { ok: false, failure: 'refusedByChip', detail: error.message };
      }
    }
    const dg2 = groups.get(2);
    const face = dg2 === undefined ? undefined : parseDg2(dg2).records[0]?.images[0];
    const dg11 = groups.get(11);
    return {
      document: parseDg1(dg1),
      ...(dg11 === undefined ? {} : { details: parseDg11(dg11) }),
      ...(face === undefined
        ? {}
        : {
            photo: {
              format: face.imageFormat,
              width: face.width,
              height: face.height,
              bytes: face.image,
            },
          }),
      dataGroups: { listed, read: [...groups.keys()], withheld },
      passiveAuthentication: pa,
      activeAuthentication: aa,
      verified: pa.ok && withheld.length === 0 && (aa.ok || 'skipped' in aa),
    };
  } finally {
    reader.close();
  }
}

/** The three BAC fields as typed. */
export interface MrzFields {
  readonly documentNumber: string;
  readonly birthDate: string;
  readonly expiryDate: string;
}

/** MRZ_info (ICAO 9303-11 §9.7.1) from scanned lines or typed fields. */
function mrzInfoOf(mrz: ReadDocumentRequest['mrz']): string {
  if (typeof mrz === 'string' || Array.isArray(mrz)) return parseMrz(mrz).mrzInfo;
  const fields = mrz as MrzFields;
  return bacKeySeedInput(fields.documentNumber, fields.birthDate, fields.expiryDate);
}

/** What did not verify, in words for the teller (empty when verified). */
export function verificationFailures(reading: DocumentReading): string[] {
  const failed: string[] = [];
  const pa = reading.passiveAuthentication;
  if ('skipped' in pa) failed.push(`Passive Authentication not run (${pa.skipped})`);
  else {
    if (!pa.sodSignature.ok) failed.push(`EF.SOD signature: ${pa.sodSignature.failure}`);
    if (!pa.dsChain.ok) failed.push(`Document Signer chain: ${pa.dsChain.failure}`);
    if (!pa.dsPolicy.ok) failed.push(`Document Signer policy: ${pa.dsPolicy.failures.join(', ')}`);
    for (const dg of pa.dataGroups)
      if (dg.status !== 'ok' && dg.status !== 'notRead')
        failed.push(`DG${String(dg.dataGroup)} hash: ${dg.status}`);
  }
  for (const n of reading.dataGroups.withheld)
    failed.push(`DG${String(n)} is signed in EF.SOD but the chip did not give it`);
  const aa = reading.activeAuthentication;
  if (!aa.ok && !('skipped' in aa)) failed.push(`Active Authentication: ${aa.failure}`);
  return failed;
}
