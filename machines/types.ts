import type { Mismatch } from './form/compare.js';

/**
 * What the visit statecharts hold and exchange (issue 13). Plain, serialisable values only: a
 * snapshot is persisted on every transition (DESIGN §6), so nothing here is a secret (passwords,
 * PINs, authorization codes and full resident numbers stay in the kiosk service's vault, src/) and
 * nothing is a class instance or a Buffer.
 */

/** Korean first, English on one key (issue 15). */
export interface Words {
  readonly ko: string;
  readonly en: string;
}

/** A certificate type an institution issues (DESIGN §1 step 1). */
export interface CertificateType {
  readonly id: string;
  readonly name: Words;
  /** The certificate policy OID (DESIGN §4.4). */
  readonly policyOid: string;
  /** What the RA registers: bank/insurance-restricted or general-purpose (DESIGN §4.4). */
  readonly profile: 'restricted' | 'general';
  /** In won; 0 is free (bank/insurance-restricted personal certificates usually are). */
  readonly feeWon: number;
}

export interface Institution {
  readonly id: string;
  readonly name: Words;
  readonly certificateTypes: readonly CertificateType[];
}

/** The application form as the machine keeps it: the IDN masked (900101-1******), never whole. */
export interface AcceptedForm {
  readonly name: string;
  readonly idnMasked: string;
  /** YYYY-MM-DD, from the IDN. */
  readonly birthDate: string;
  readonly phone: string;
}

/** What the teller's approval rests on (issue 13: recorded with the registration and after). */
export type Evidence = 'chipVerified' | 'chipNotVerifiedOverride' | 'inPersonOnly';

/** The chip as the teller sees it, without the photo bytes (kept by the service, not here). */
export interface ChipSummary {
  readonly surname: string;
  readonly givenNames: string;
  /** YYMMDD as DG1 gives it (the MRZ holds no century). */
  readonly birthDate: string;
  readonly documentNumber: string;
  /** Passive and Active Authentication passed, and nothing the SOD signs was withheld. */
  readonly verified: boolean;
  /** What did not verify, in words for the teller (empty when verified). */
  readonly failures: readonly string[];
  /** The form and the chip disagree on these, each named for the teller (form/compare.ts). */
  readonly mismatches: readonly Mismatch[];
  /** The name was not compared (a Hangul form name): the teller compares it with the person. */
  readonly nameNeedsTeller: boolean;
}

/** A physical ID checked by the teller face to face (no chip to read). */
export interface InPersonDocument {
  readonly type: 'residentCard' | 'driverLicence' | 'passport';
  /** Masked as on any record: the resident card's number is an IDN. */
  readonly numberMasked: string;
}

export interface TellerDecision {
  readonly teller: string;
  readonly at: string;
}

/** The medium the visitor chose (the service's Medium, as the machine may hold it). */
export type ChosenMedium =
  | { readonly kind: 'token'; readonly label: string }
  | { readonly kind: 'usb'; readonly device: string };

/**
 * Why an effect failed, as the service classified it: the machine moves on this, never on an
 * exception. `spent` is the service API's "what was spent" (src/service/spent.ts).
 */
export interface VisitFailure {
  readonly kind:
    | 'cardRemoved'
    | 'noCard'
    | 'wrongMrz'
    | 'chipUnreadable'
    | 'tokenRemoved'
    | 'tokenLocked'
    | 'driveRemoved'
    /** Full, read-only, not FAT when it must be, refused as unsafe, or another fault of the medium. */
    | 'mediumUnusable'
    | 'caUnreachable'
    | 'caRefused'
    | 'wrongSecret'
    | 'internal';
  readonly spent?: 'nothing' | 'unanswered' | 'refused' | 'unconfirmed';
  /** For the log and staff; the screen says what to do from `kind`. */
  readonly detail: string;
}

/** Facts of the certificate issued, for the result screen (DESIGN §1 step 7). */
export interface IssuedSummary {
  readonly serial: string;
  readonly subject: string;
  readonly notAfter: string;
  /** The day renewal opens (notAfter − npki.renewalWindowDays). */
  readonly renewalFrom: string;
}

/**
 * The failure an actor's error event carries, copied into a plain value (the snapshot is
 * persisted); anything that is not one is an internal error.
 */
export function asFailure(error: unknown): VisitFailure {
  if (typeof error === 'object' && error !== null && 'kind' in error && 'detail' in error) {
    const { kind, detail } = error;
    const spent = 'spent' in error ? error.spent : undefined;
    if (typeof kind === 'string' && typeof detail === 'string')
      return {
        kind: kind as VisitFailure['kind'],
        detail,
        ...(typeof spent === 'string'
          ? { spent: spent as NonNullable<VisitFailure['spent']> }
          : {}),
      };
  }
  return { kind: 'internal', detail: error instanceof Error ? error.message : String(error) };
}

/** A certificate on a medium, as the visitor picks it (from the service's list). */
export interface HeldCertificate {
  readonly serial: string;
  readonly subject: string;
  readonly notAfter: string;
  /** Inside its renewal window (npki.renewalWindowDays before notAfter). */
  readonly renewable: boolean;
}

/** Why a certificate is revoked, as the visitor picks it (RFC 5280 §5.3.1 CRLReason). */
export type RevocationReason =
  'keyCompromise' | 'affiliationChanged' | 'superseded' | 'cessationOfOperation';

export const revocationReasons: readonly RevocationReason[] = [
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
];

/** A guard on an actor's error event: the service classified the failure as one of `kinds`. */
export const failedWith =
  (...kinds: readonly VisitFailure['kind'][]) =>
  ({ event }: { event: unknown }): boolean =>
    kinds.includes(asFailure((event as { error?: unknown }).error).kind);

/**
 * Whether an actor runs under a parent: a sub-flow tells the visit that the kiosk, not the
 * visitor, is working (`visit.busy`, `visit.attend`: the inactivity timer pauses meanwhile); run
 * on its own (its tests) it has no one to tell.
 */
export function hasParent(self: unknown): boolean {
  return (self as { _parent?: unknown })._parent !== undefined;
}
