import type { CRLReasons, Certificate, Name } from '@peculiar/asn1-x509';
import type { Logger } from '../log/logger.js';
import type { Signer } from '../crypto/signer.js';
import type { x509 } from '../shared/x509.js';
import type { TypeAndValue } from './asn1/crmf.js';
import type { PbmSettings } from './pbm.js';
import type { CmpTransport } from './transport.js';

// What the kiosk's CMP client (client.ts) is built with and asked for.

export interface CmpClientOptions {
  readonly transport: CmpTransport;
  /** The CA certificates this kiosk trusts (never the embedded CA in production, DESIGN §2). */
  readonly anchors: readonly x509.X509Certificate[];
  /** Polling when the CA answers `waiting` (RFC 4210 §5.3.22): bounded in count and time. */
  readonly maxPolls?: number;
  readonly maxCheckAfterSeconds?: number;
  /** PBM parameters for messages protected with the authorization code (default: OpenSSL's). */
  readonly pbmSettings?: PbmSettings;
  /** Injected for tests (no test sleeps for real). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => Date;
  readonly log?: Logger;
}

/** Checks the kiosk applies to a certificate before it confirms it (VID, policy, …). */
export type CertificateCheck = (certificate: Certificate) => void | Promise<void>;

export interface EnrolRequest {
  /** RA reference number (senderKID) and authorization code (the PBM secret). */
  readonly ref: string;
  readonly secret: Uint8Array;
  /** The new key, on the medium. */
  readonly signer: Signer;
  readonly regInfo?: readonly TypeAndValue[];
  /** The subject asked for; the CA decides. Default: CN=<reference number>. */
  readonly subject?: Name;
  readonly check?: CertificateCheck;
  readonly signal?: AbortSignal;
  /** Called when the CA's certificate has arrived, before any check (a refusal may follow). */
  readonly onCertificate?: () => void;
  /**
   * Called with the transactionID just before the request is sent (a crash journal, issue 14
   * item 3); if it throws, nothing is sent.
   */
  readonly onRequest?: (transactionId: Uint8Array) => void;
}

export interface KeyUpdateRequest {
  readonly current: { readonly signer: Signer; readonly certificate: Certificate };
  readonly signer: Signer;
  readonly check?: CertificateCheck;
  readonly signal?: AbortSignal;
  /** Called when the CA's certificate has arrived, before any check (a refusal may follow). */
  readonly onCertificate?: () => void;
}

export interface RevokeRequest {
  readonly signer: Signer;
  readonly certificate: Certificate;
  /** RFC 5280 §5.3.1 reason code. */
  readonly reason: CRLReasons;
  readonly signal?: AbortSignal;
}

/** State of one CMP transaction: its ID, our last nonce, the CA's last nonce. */
