import type { InPersonDocument } from '../../../machines/types.js';

// The ID authenticity service (issue 13): the government's check that a physical ID was issued as
// shown and is still valid (행정안전부 주민등록증 진위확인; 경찰청/도로교통공단 운전면허 진위확인;
// 외교부 여권 진위확인). It backs the teller's face-to-face check when the visitor has no chip.
// Interfaces and types only (STYLE #1); none is reachable from here, so the kiosk runs it off by
// default (`kiosk.idAuthenticity.enabled`), and a fake (fake.ts) stands in for it in tests.

/** One ID to check: what the teller read off the card, and who the visitor says they are. */
export interface IdAuthenticityRequest {
  readonly type: InPersonDocument['type'];
  /**
   * The whole number as ASCII bytes in canonical form (machines/form/idDocument.ts
   * `canonicalIdNumber`): 13 digits, 12 digits with the licence region as its code, or the
   * passport's 9 characters. The caller zeroes these bytes once the promise settles: an
   * implementation reads them during the call and keeps no reference or copy afterwards.
   */
  readonly number: Uint8Array;
  /** The holder's name as the form accepted it (Hangul, or Latin for a foreign passport). */
  readonly name: string;
  /** The card's issue date, `YYYY-MM-DD`, when the teller typed it (the resident card's check needs it). */
  readonly issueDate?: string;
}

/**
 * What the service said. `reference` is the service's own transaction number, for the audit log
 * (bounded printable text; the caller drops one that is not).
 */
export type IdAuthenticityAnswer =
  /** The service knows this ID, with this holder, as valid. */
  | { readonly result: 'authentic'; readonly reference?: string }
  /** The service answered, and not for this ID: unknown, reported lost, superseded, or another holder. */
  | { readonly result: 'notAuthentic'; readonly reference?: string }
  /** The service did not answer: unreachable, timed out, refused our credentials, replied garbage. */
  | { readonly result: 'unavailable' }
  /** No service is configured (off.ts): the teller's eyes alone decide, and the record says so. */
  | { readonly result: 'notChecked' };

/** An ID authenticity service. One instance per owner, never a module singleton (STYLE #3). */
export interface IdAuthenticity {
  /**
   * Checks one ID. Resolves with the answer, including when the service cannot be reached: every
   * fault of the service or the network is `unavailable`, after at most the implementation's own
   * timeout, never a rejection. Rejects only when `signal` aborts (before or during the call),
   * with `signal.reason`, promptly and without waiting for the service. Does not change
   * `request.number`, and keeps neither it nor a copy after settling (see
   * {@link IdAuthenticityRequest.number}).
   */
  check(request: IdAuthenticityRequest, signal?: AbortSignal): Promise<IdAuthenticityAnswer>;
}
