import type { Evidence, RevocationReason } from '../../machines/types.js';

/**
 * The RA as the kiosk sees it (issue 13 item 3): after the teller approves, the kiosk registers
 * the applicant and receives the one-time reference number and authorization code. Over the
 * network in a branch (HTTPS with mutual TLS, src/ca/ra/); in process for the demo and the tests.
 */
export interface RaRegistrationRequest {
  readonly name: string;
  /** The full resident number, from the visit's vault (the VID, DESIGN §4.3). */
  readonly idn: Uint8Array;
  readonly profile: 'restricted' | 'general';
  /** The teller who approved the identity check. */
  readonly approvedBy: string;
  readonly evidence: Evidence;
}

export interface RaRegistration {
  readonly ref: string;
  /** The authorization code's bytes: the caller keeps them in the vault and zeroes these. */
  readonly authCode: Buffer;
  readonly expires: Date;
}

/** One of the approved holder's valid certificates at the CA. */
export interface CertificateAtCa {
  readonly serial: string;
  readonly subject: string;
  /** ISO 8601. */
  readonly notAfter: string;
}

export interface RaRevocation {
  readonly ref: string;
  readonly serial: string;
  readonly reason: RevocationReason;
  /** `issue`: a reissue follows under the same registration; `end`: the registration is spent. */
  readonly then: 'issue' | 'end';
}

/**
 * The certificate a visit stored completely on its medium and read back (issue 14 item 3), for
 * the CA to confirm when the registration is closed, as the certConf would have.
 */
export interface RaCertificateToConfirm {
  /** As the CA records it: lower-case hex. */
  readonly serial: string;
  /** SHA-256 of the certificate's DER, lower-case hex. */
  readonly certHash: string;
}

/** What a certificate is at the CA: `issued` is confirmed, `rejected` voided unconfirmed. */
export type RaCertificateStatus = 'pending' | 'issued' | 'rejected' | 'revoked';

/** A registration closed: every certificate enrolled under it, oldest first, and its status. */
export interface RaClosure {
  readonly certificates: readonly {
    readonly serial: string;
    readonly status: RaCertificateStatus;
  }[];
}

export interface RaClient {
  register(request: RaRegistrationRequest, signal?: AbortSignal): Promise<RaRegistration>;
  /** The certificates of the holder a registration (`ref`) was made for, valid now. */
  certificates(ref: string, signal?: AbortSignal): Promise<readonly CertificateAtCa[]>;
  /** Revokes one of them on the registration's authority (the teller's approval). */
  revoke(revocation: RaRevocation, signal?: AbortSignal): Promise<void>;
  /**
   * Closes a registration whose visit ended (spent, its IDN forgotten at the CA), so a leftover
   * reference number lists and revokes nothing. An enrolment under it still awaiting its certConf
   * (the kiosk restarted without the authorization code) is confirmed if `confirm` names it with
   * its hash, else voided (revoked, `rejected`); nothing is reissued on the reference after.
   * Resolves with what the CA then holds, including a certificate confirmed before a crash.
   * Idempotent: a second close changes nothing and says the same.
   */
  close(ref: string, signal?: AbortSignal, confirm?: RaCertificateToConfirm): Promise<RaClosure>;
}
