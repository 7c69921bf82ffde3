// The text rules for the names the RA takes from outside: the holder's name (it becomes a
// certificate's common name), an RA client's name (the CN of its TLS certificate) and the approving
// teller's. One place, so the local `ca register`, `ca ra add` and the RA endpoint refuse alike.

/** Longest name of any kind, in UTF-16 code units as JavaScript counts them. */
export const maxNameLength = 64;

/** What a holder's name may be, for messages. */
export const holderNameRule = `1 to ${maxNameLength} characters without ( ) , = + / \\ or control characters`;

/** What an RA client's or a teller's name may be, for messages. */
export const labelNameRule = `1 to ${maxNameLength} characters without control characters`;

// Control (Cc), format (Cf: bidi overrides, zero-width), line/paragraph separators and lone
// surrogates: none belongs in a certificate name or a log line.
const controls = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
// Characters with a meaning in NPKI common names (`name()digits`) and DN strings.
const dnSpecials = /[(),=+/\\]/;

/** The holder's name as registered (NFC, trimmed), or undefined if it breaks holderNameRule. */
export function holderName(text: string): string | undefined {
  const name = normalised(text);
  return name === undefined || dnSpecials.test(name) ? undefined : name;
}

/** An RA client's or a teller's name (NFC, trimmed), or undefined if it breaks labelNameRule. */
export function labelName(text: string): string | undefined {
  return normalised(text);
}

function normalised(text: string): string | undefined {
  // Bounded before normalising: a hostile megabyte of text is refused, not processed.
  if (text.length > maxNameLength * 4) return undefined;
  const name = text.normalize('NFC').trim();
  if (name === '' || name.length > maxNameLength || controls.test(name)) return undefined;
  return name;
}
