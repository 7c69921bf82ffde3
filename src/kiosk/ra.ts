import type { Evidence } from '../../machines/types.js';

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

export interface RaClient {
  register(request: RaRegistrationRequest, signal?: AbortSignal): Promise<RaRegistration>;
}
