/**
 * PC/SC readers and cards (DESIGN §3.1). Interfaces only: the real driver (pcsclite) and the fake
 * (a transport that replays APDU scripts) implement them. Members reject with the typed errors of
 * errors.ts: PcscUnavailableError (pcscd not running or restarted), CardRemovedError
 * (the card left mid-exchange), ReaderGoneError, CardError (anything else, with its SCARD code).
 * CardApplication is the card's side of the exchange (what answers the APDUs), for the fake and
 * for vpcd.
 */

/** A reader appeared or left, or a card was inserted into or removed from a reader. */
export type ReaderEvent =
  | { readonly type: 'reader-added' | 'reader-removed'; readonly reader: string }
  | { readonly type: 'card-inserted'; readonly reader: string; readonly atr: Uint8Array }
  | { readonly type: 'card-removed'; readonly reader: string };

/**
 * One card, connected: APDUs in, responses (data ‖ SW1 SW2) out. T=0 details (61xx GET RESPONSE,
 * 6Cxx resend with Le) are handled below this interface: a caller sees whole responses.
 */
export interface ApduTransport {
  /** The reader's name, for messages. */
  readonly reader: string;
  readonly atr: Uint8Array;
  /**
   * Whether extended-length APDUs (Lc/Le over 255/256) get through this reader; learned on first
   * use and remembered per reader (many reader/driver pairs refuse them, DESIGN §3.1).
   */
  readonly extendedLength: boolean | undefined;
  /**
   * Sends one command APDU and resolves with the response including the status word. An aborted
   * signal stops it before it is sent (a command on the card is never cut half-way).
   */
  transmit(apdu: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
  /** Marks extended length as refused by this reader (the caller falls back to short APDUs). */
  noteExtendedLengthRefused(): void;
  /** Disconnects (leaving the card powered for the next connect). */
  close(): Promise<void>;
}

/** The readers of this machine. */
export interface PcscDriver {
  /** Reader names now, each with its card's ATR when one is present. */
  readers(): Promise<{ readonly name: string; readonly atr?: Uint8Array }[]>;
  /** Reader and card events until the returned function is called. */
  watch(listener: (event: ReaderEvent) => void, onError?: (error: unknown) => void): () => void;
  /** Connects to the card in `reader` (the first reader with a card if absent). */
  connect(reader?: string): Promise<ApduTransport>;
  close(): Promise<void>;
}

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
