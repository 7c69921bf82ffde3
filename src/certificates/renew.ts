import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { CmpClient } from '../cmp/client.js';
import type { Config } from '../config/index.js';
import { softwareSigner } from '../crypto/signer.js';
import { CmpMismatchError, RenewalNotOpenError } from '../errors/index.js';
import { certificateFacts, type CertificateFacts } from '../npki/certFacts.js';
import { parseCertificate } from '../npki/certificate.js';
import { caFolderFor, dnFolderName } from '../npki/layout.js';
import { withRandomNum } from '../npki/randomNum.js';
import { encryptSignPriKey } from '../npki/signPriKey.js';
import { readIdentifyData } from '../npki/vid.js';
import type { NpkiMedium, StoredCertificate } from '../storage/contract.js';
import type { Step } from './steps.js';
import { openPair } from './openPair.js';

export interface RenewInFolderRequest {
  readonly client: CmpClient;
  /** The medium holding the pair; the renewed pair replaces it there. */
  readonly medium: NpkiMedium;
  readonly stored: StoredCertificate;
  readonly password: Uint8Array;
  readonly config: Config;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Called as each step begins (steps.ts); may throw to stop (cancelled). */
  readonly step?: (step: Step) => void;
}

const generateRsa = promisify(generateKeyPair);

/**
 * Renewal (DESIGN §1): within the renewal window, a new key on the same medium, CMP kur signed
 * with the current key; R is kept so the VID stays the holder's (the CA copies identifyData), and
 * the renewed pair replaces the old one before the CA is told it was accepted.
 */
export async function renewInFolder(
  request: RenewInFolderRequest,
): Promise<{ dir: string; facts: CertificateFacts }> {
  const step = request.step ?? (() => undefined);
  step('prepare');
  const current = await openPair(request.medium, request.stored, request.password);
  const facts = certificateFacts(
    current.certificate,
    request.now,
    request.config.npki.renewalWindowDays,
  );
  if (!facts.renewalOpen)
    throw new RenewalNotOpenError(facts.notAfter, request.config.npki.renewalWindowDays);
  let dir = '';
  try {
    step('keygen');
    const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
    step('request');
    const renewed = await request.client.keyUpdate({
      current: { signer: softwareSigner(current.privateKey), certificate: current.certificate },
      signer: softwareSigner(privateKey),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      onCertificate: () => {
        step('verify');
      },
      check: async (certificate) => {
        const before = readIdentifyData(current.certificate)?.vid?.value;
        const after = readIdentifyData(certificate)?.vid?.value;
        if (before !== undefined && (after === undefined || !before.equals(after))) {
          throw new CmpMismatchError(
            'vid',
            'the renewed certificate does not carry the holder’s VID',
          );
        }
        step('write');
        dir = await replacePair(request, certificate, privateKey, current.r);
        step('confirm');
      },
    });
    return {
      dir,
      facts: certificateFacts(renewed, request.now, request.config.npki.renewalWindowDays),
    };
  } finally {
    current.r?.fill(0);
  }
}

async function replacePair(
  request: RenewInFolderRequest,
  certificate: Certificate,
  privateKey: KeyObject,
  r: Buffer | undefined,
): Promise<string> {
  const der = new Uint8Array(AsnConvert.serialize(certificate));
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  const pki = r === undefined ? pkcs8 : withRandomNum(pkcs8, r);
  const keyFile = encryptSignPriKey(pki, request.password, {
    format: request.config.npki.writeFormat,
    iterations: request.config.npki.iterations,
  });
  pkcs8.fill(0);
  pki.fill(0);
  const parsed = parseCertificate(der);
  return request.medium.writePair(
    caFolderFor(parsed),
    dnFolderName(parsed),
    { signCert: der, signKey: keyFile },
    { replace: true },
  );
}
