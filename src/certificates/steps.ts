/**
 * The steps of a long operation, in the order they happen (issue 12 item 1), so that a screen
 * can draw one bar whatever the medium: prepare (the medium checked, the token logged in), keygen,
 * request (the CA asked), verify (its answer checked), write (files or token objects), readBack,
 * confirm (the CA told). An operation reports the steps it has, in this order.
 */
export const steps = [
  'prepare',
  'keygen',
  'request',
  'verify',
  'write',
  'readBack',
  'confirm',
] as const;

export type Step = (typeof steps)[number];

/**
 * What an issuance has made true in the world, told as it happens so that a kiosk that dies
 * mid-way can ask the world again at restart (issue 14 item 3) instead of acting twice. Each is
 * told before the next thing is done (a journal written ahead), and none holds a secret:
 * - `keyMade`: the key exists (on a token, under this CKA_ID; in memory for a drive);
 * - `requestSent`: the CA is about to be asked, in this CMP transaction;
 * - `received`: the CA issued this certificate, before anything is stored;
 * - `stored`: the complete pair is on the medium (a drive's folder renamed into place and read
 *   back, a token's pair relabelled as finished), about to be confirmed;
 * - `confirmed`: the CA answered the confirmation.
 */
export type IssueFact =
  | { readonly step: 'keyMade'; readonly keyId?: string }
  | { readonly step: 'requestSent'; readonly transactionId: string }
  | {
      readonly step: 'received';
      readonly serial: string;
      /** SHA-256 of the certificate's DER, hex: what a confirmation names. */
      readonly certHash: string;
      readonly subject: string;
      readonly notAfter: string;
    }
  | { readonly step: 'stored'; readonly where: string }
  | { readonly step: 'confirmed' };

/** Told each IssueFact; a journal that cannot write throws, and the step is not taken. */
export type IssueJournal = (fact: IssueFact) => void;
