import {
  AmbiguousCertificateError,
  CertificateNotFoundError,
  VidUnavailableError,
  WrongPasswordError,
} from '../errors/index.js';
import { parseCertificate, serialHex } from '../npki/certificate.js';
import { keyMatchesCertificate } from '../npki/keyPair.js';
import { readRandomNum } from '../npki/randomNum.js';
import { decryptSignPriKey, type KeyFileFormat } from '../npki/signPriKey.js';
import { readIdentifyData, vidMatches } from '../npki/vid.js';
import type { CertificateStore, StoredCertificate } from '../storage/contract.js';

/** What `kiosk cert check` reports. Null: that check could not run. */
export interface CheckResult {
  readonly serial: string;
  readonly passwordOk: boolean;
  readonly keyMatchesCert: boolean | null;
  /** Null without an IDN (with one, a missing R or VID is VidUnavailableError). */
  readonly vidOk: boolean | null;
  readonly keyFormat: KeyFileFormat | null;
  readonly iterations: number | null;
  readonly hasRandomNum: boolean | null;
}

/**
 * Picks the one certificate to act on: the one with this serial, or the only one on the medium.
 */
export async function selectCertificate(
  store: CertificateStore,
  serial?: string,
): Promise<StoredCertificate> {
  const all = await store.list();
  const wanted = serial?.toLowerCase().replace(/^0+/, '');
  const matching = all.filter(
    (c) => wanted === undefined || serialOf(c).replace(/^0+/, '') === wanted,
  );
  const [only, ...others] = matching;
  if (only === undefined)
    throw new CertificateNotFoundError(
      store.spec + (serial === undefined ? '' : ` (serial ${serial})`),
    );
  if (others.length > 0) throw new AmbiguousCertificateError(matching.map(serialOf));
  return only;
}

/**
 * Checks a certificate's key file: the password decrypts it, the key matches the certificate and,
 * with the holder's IDN, the VID matches. A wrong password is a result (passwordOk: false), not an
 * error; damaged files throw their typed errors. The caller zeroes `password`.
 */
export async function checkCertificate(
  store: CertificateStore,
  stored: StoredCertificate,
  password: Uint8Array,
  idn?: string,
): Promise<CheckResult> {
  const certificate = parseCertificate(stored.certificate);
  const serial = serialHex(certificate);
  const keyFile = await store.readKeyFile(stored.id);
  let decrypted;
  try {
    decrypted = decryptSignPriKey(keyFile, password);
  } catch (error) {
    if (!(error instanceof WrongPasswordError)) throw error;
    return {
      serial,
      passwordOk: false,
      keyMatchesCert: null,
      vidOk: null,
      keyFormat: null,
      iterations: null,
      hasRandomNum: null,
    };
  }
  const pki = decrypted.privateKeyInfo;
  try {
    const keyMatchesCert = keyMatchesCertificate(pki, certificate);
    const r = readRandomNum(pki);
    const hasVid = readIdentifyData(certificate)?.vid !== undefined;
    // An IDN means the caller wants the VID checked: a check that cannot run is not a pass.
    if (idn !== undefined && r === undefined) throw new VidUnavailableError('randomNum');
    if (idn !== undefined && !hasVid) throw new VidUnavailableError('vid');
    const vidOk = idn === undefined || r === undefined ? null : vidMatches(certificate, idn, r);
    r?.fill(0);
    return {
      serial,
      passwordOk: true,
      keyMatchesCert,
      vidOk,
      keyFormat: decrypted.format,
      iterations: decrypted.iterations,
      hasRandomNum: r !== undefined,
    };
  } finally {
    pki.fill(0);
  }
}

function serialOf(stored: StoredCertificate): string {
  try {
    return serialHex(parseCertificate(stored.certificate));
  } catch {
    return '(unreadable)';
  }
}
