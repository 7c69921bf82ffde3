// eslint-disable-next-line no-control-regex -- matching control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from outside (certificate fields, chip data, file names) safe to print on a terminal:
 * NFC-normalised (decomposed Hangul renders garbled in blessed, DESIGN §7) and with every C0/C1
 * control character, DEL and bidi override replaced, so no escape sequence reaches the screen
 * (DESIGN §8).
 */
export function displaySafe(text: string): string {
  return text.normalize('NFC').replace(unsafe, '\ufffd');
}
