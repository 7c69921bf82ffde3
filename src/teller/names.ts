import { recordableText } from '../../machines/tellerApproval.js';

// A teller's account name: what the approval machine and the RA accept as `teller`
// (machines/tellerApproval.ts recordableText, 64) and what the audit log records, so an account
// can never be made whose decisions the visit would then refuse.

/** Longest name, in UTF-16 code units (the approval machine's bound). */
export const maxTellerNameLength = 64;

/** What a teller's name may be, for messages. */
export const tellerNameRule = `1 to ${maxTellerNameLength} characters without control or format characters, not only spaces`;

/**
 * The name as stored (NFC, trimmed), or undefined if it breaks tellerNameRule. NFC because the
 * same Hangul name typed on two keyboards may arrive composed or decomposed (DESIGN §7); trimmed
 * because a trailing space is never meant. Anything longer than four times the bound is refused
 * before it is normalised: a megabyte of text costs nothing.
 */
export function tellerName(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length > maxTellerNameLength * 4) return undefined;
  const name = text.normalize('NFC').trim();
  // Lone surrogates (\p{Cs}) are not caught by recordableText and cannot be stored as UTF-8.
  if (/\p{Cs}/u.test(name)) return undefined;
  return recordableText(name, maxTellerNameLength) ? name : undefined;
}
