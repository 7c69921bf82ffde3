import { createHash, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import type { CmpClient } from '../cmp/client.js';
import { randomNumRegInfo } from '../cmp/randomNumTransport.js';
import type { Config } from '../config/index.js';
import { softwareSigner } from '../crypto/signer.js';
import type { x509 } from '../shared/x509.js';
import { CmpMismatchError, PasswordRulesError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { parseCertificate } from '../npki/certificate.js';
import { keyMatchesCertificate } from '../npki/keyPair.js';
import { caFolderFor, dnFolderName } from '../npki/layout.js';
import type { NpkiMedium } from '../storage/contract.js';
import type { IssueFact, IssueJournal, Step } from './steps.js';
import { checkPassword } from '../npki/passwordRules.js';
import { withRandomNum } from '../npki/randomNum.js';
import { decryptSignPriKey, encryptSignPriKey } from '../npki/signPriKey.js';
import { readIdentifyData, vidMatches } from '../npki/vid.js';

export interface IssueToFolderRequest {
  readonly client: CmpClient;
  /** The RA's encryption certificate, R goes to it (DESIGN §4.3). */
  readonly raEncryption: x509.X509Certificate;
  /** Where the pair goes: a folder that contains (or will contain) NPKI/, or a USB drive. */
  readonly medium: NpkiMedium;
  /** Replace a pair of the same subject already on the medium (confirmed by the visitor). */
  readonly replace?: boolean;
  readonly ref: string;
  readonly authCode: Uint8Array;
  /** The new certificate password (bytes; the caller zeroes them). */
  readonly password: Uint8Array;
  /** The holder's IDN: when given, the certificate's VID must match it. */
  readonly idn?: string;
  /** When given, the certificate's policy must be of this usage. */
  readonly profile?: 'restricted' | 'general';
  readonly config: Config;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Called as each step begins (steps.ts); may throw to stop (cancelled). */
  readonly step?: (step: Step) => void;
  /** Told what is true as it becomes true (steps.ts IssueFact): the kiosk's crash journal. */
  readonly journal?: IssueJournal;
}

export interface Issued {
  readonly dir: string;
  readonly facts: CertificateFacts;
}

const generateRsa = promisify(generateKeyPair);

/**
 * Issuance with a software key (DESIGN §1 step 6): a new RSA-2048 key and R, CMP ir with R
 * encrypted to the RA, the certificate checked (our key, chain, VID, policy), the pair written
 * onto the medium as an NPKI folder (signPri.key in the configured format, with R) and read back,
 * and only then confirmed to the CA. Anything failing before the confirmation makes the client
 * refuse the certificate, so the CA never holds as delivered a certificate whose key is lost.
 */
export async function issueToFolder(request: IssueToFolderRequest): Promise<Issued> {
  const failed = checkPassword(Buffer.from(request.password).toString('utf8')).filter((r) => !r.ok);
  if (failed.length > 0) throw new PasswordRulesError(failed.map((r) => r.id));
  const step = request.step ?? (() => undefined);
  step('prepare');
  // Before the CA is asked: a reference number spent on a medium that cannot hold the pair is lost.
  await request.medium.prepare();
  step('keygen');
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const journal = request.journal ?? (() => undefined);
  journal({ step: 'keyMade' });
  const r = randomBytes(20);
  const raCertificate = AsnConvert.parse(request.raEncryption.rawData, Certificate);
  let dir = '';
  let certificate: Certificate;
  try {
    step('request');
    certificate = await request.client.enrol({
      ref: request.ref,
      secret: request.authCode,
      signer: softwareSigner(privateKey),
      regInfo: [randomNumRegInfo(r, raCertificate)],
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      onRequest: (id) => {
        journal(requestSentFact(id));
      },
      onCertificate: () => {
        step('verify');
      },
      check: async (certificate) => {
        checkIssued(certificate, request, r);
        journal(receivedFact(certificate, request));
        step('write');
        dir = await storePair(certificate, privateKey, r, request, step);
        journal({ step: 'stored', where: dir });
        step('confirm');
      },
    });
  } finally {
    r.fill(0);
  }
  journal({ step: 'confirmed' });
  return {
    dir,
    facts: certificateFacts(certificate, request.now, request.config.npki.renewalWindowDays),
  };
}

/** The journal's `requestSent` for a CMP transactionID. */
export function requestSentFact(transactionId: Uint8Array): IssueFact {
  return { step: 'requestSent', transactionId: Buffer.from(transactionId).toString('hex') };
}

/** The journal's `received`: the certificate as the CA issued it, and the hash a confirmation names. */
export function receivedFact(
  certificate: Certificate,
  expected: Pick<IssuedExpectations, 'config' | 'now'>,
): IssueFact {
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  const facts = certificateFacts(certificate, expected.now, expected.config.npki.renewalWindowDays);
  return {
    step: 'received',
    serial: facts.serial,
    certHash: createHash('sha256').update(der).digest('hex'),
    subject: facts.subject,
    notAfter: facts.notAfter,
  };
}

/** What an issued certificate is checked against before anything is stored. */
export interface IssuedExpectations {
  readonly idn?: string;
  readonly profile?: 'restricted' | 'general';
  readonly config: Config;
  readonly now: Date;
}

/**
 * The certificate carries a VID, the VID is the holder's (with R) when the IDN is known, and the
 * policy is the one asked for: checked before anything is stored, so a certificate that fails is
 * refused in certConf (the CA revokes it).
 */
export function checkIssued(
  certificate: Certificate,
  expected: IssuedExpectations,
  r: Uint8Array,
): void {
  const identify = readIdentifyData(certificate);
  if (identify?.vid === undefined)
    throw new CmpMismatchError('vid', 'the certificate carries no VID');
  if (expected.idn !== undefined && !vidMatches(certificate, expected.idn, r)) {
    throw new CmpMismatchError('vid', 'the VID does not match the holder and R');
  }
  if (expected.profile !== undefined) {
    const facts = certificateFacts(
      certificate,
      expected.now,
      expected.config.npki.renewalWindowDays,
    );
    if (facts.policy?.usage !== expected.profile) {
      throw new CmpMismatchError(
        'policy',
        `expected a ${expected.profile} certificate, got ${facts.policy?.oid ?? 'none'}`,
      );
    }
  }
}

/** Writes signCert.der and signPri.key (with R), then proves the pair opens with the password. */
async function storePair(
  certificate: Certificate,
  privateKey: KeyObject,
  r: Uint8Array,
  request: IssueToFolderRequest,
  step: (step: Step) => void,
): Promise<string> {
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const withR = withRandomNum(pkcs8, r);
  pkcs8.fill(0);
  const keyFile = encryptSignPriKey(withR, request.password, {
    format: request.config.npki.writeFormat,
    iterations: request.config.npki.iterations,
  });
  withR.fill(0);
  const parsed = parseCertificate(der);
  const dir = await request.medium.writePair(
    caFolderFor(parsed),
    dnFolderName(parsed),
    { signCert: der, signKey: keyFile },
    { replace: request.replace ?? false },
  );
  step('readBack');
  const back = decryptSignPriKey(keyFile, request.password);
  try {
    if (!keyMatchesCertificate(back.privateKeyInfo, parsed))
      throw new CmpMismatchError('publicKey', 'the stored key does not match');
  } finally {
    back.privateKeyInfo.fill(0);
  }
  return dir;
}
