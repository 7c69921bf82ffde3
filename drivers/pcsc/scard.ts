// The SCARD codes the pcsclite driver acts on, and how they are read from pcsclite's errors: the
// one place a PC/SC failure is recognised, by its numeric code (STYLE #6).

/** SCARD error codes the driver acts on (pcsc-lite's pcsclite.h). */
export const scard = {
  insufficientBuffer: 0x80100008,
  notTransacted: 0x80100016,
  noService: 0x8010001d,
  noSmartcard: 0x8010000c,
  readerUnavailable: 0x80100017,
  removedCard: 0x80100069,
  resetCard: 0x80100068,
  unpoweredCard: 0x80100067,
  commError: 0x80100013,
  serviceStopped: 0x8010001e,
} as const;

/**
 * The SCARD code at the end of a pcsclite error message, `… (0x80100016)`: pcsclite's errors are
 * plain Errors, so the code is read here, once (DESIGN §3.1).
 */
export function scardCode(error: unknown): number | undefined {
  const text = error instanceof Error ? error.message : String(error);
  const match = /\(0x([0-9a-fA-F]{8})\)\s*$/.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
}
