/**
 * A card as the reader sees it: an ATR, and an answer for each command APDU (data ‖ SW1 SW2).
 * Implemented by the virtual eMRTD (src/virtualDocument/virtualCard.ts) and by scripted test cards; put
 * behind pcscd through vpcd (vpcd.ts) or straight into the fake driver.
 */
export interface CardApplication {
  readonly atr: Uint8Array;
  /** The card was powered on or reset: its session state starts again. */
  reset(): void;
  respond(apdu: Uint8Array): Uint8Array | Promise<Uint8Array>;
}
