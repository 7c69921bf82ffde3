/**
 * The screens' contract (issue 15 item 1): what a screen is given and what it sends back. A screen
 * draws a {@link ScreenModel} and reports {@link UiEvent}s; it holds no business state and never
 * sees the kiosk service. The model is built on the service's side (src/kiosk/screens/model.ts)
 * from the kiosk's snapshot, already in the visitor's language and already sanitised (NFC,
 * no controls, no bidi controls, no East-Asian ambiguous-width glyphs), so a screen only lays it
 * out. The blessed implementation is ui/blessed/kioskScreen.ts; tests drive
 * ui/fake/recordingScreen.ts.
 */

/** Korean first, English on one key. */
export type Lang = 'ko' | 'en';

/** Where the visit stands (DESIGN §1): 1 기관 선택 … 7 완료; 0 before a purpose is chosen. */
export interface StepBar {
  /** The seven step names, in order, in the model's language. */
  readonly labels: readonly string[];
  /** 1 to 7, or 0 when no step is current (home, out of service). */
  readonly current: number;
}

/** One entry of a pick list (purpose, institution and type, medium, certificate, reason). */
export interface PickItem {
  /** Sent back in a `pick` event; opaque to the screen. */
  readonly id: string;
  readonly label: string;
  /** A second, dimmer column: a fee, a free space, a validity. */
  readonly detail?: string;
  /** A disabled item is drawn dim and cannot be picked (a certificate outside its window). */
  readonly enabled: boolean;
}

export interface PickList {
  readonly items: readonly PickItem[];
  /** The highlighted item's index (the service keeps it: Up/Down are events). */
  readonly cursor: number;
}

/** One input field as shown: the value is already what may be drawn (masked where secret). */
export interface Field {
  readonly id: string;
  readonly label: string;
  /** A secret field (password, PIN, the resident number's last digits): `value` holds only `*`. */
  readonly masked: boolean;
  /** What the field shows: the text typed, or one `*` per character of a masked field. */
  readonly value: string;
  /** What is wrong with it now, one message a line; empty when nothing is. */
  readonly problems: readonly string[];
  /** A hint under the field while it is empty (a format: YYMMDD). */
  readonly hint?: string;
}

export interface Fields {
  readonly items: readonly Field[];
  /** The index of the field that receives typed text. */
  readonly focus: number;
}

/** A rule of a live checklist (the password rules), ticked as the visitor types. */
export interface Check {
  readonly label: string;
  readonly ok: boolean;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  /** What is happening now ("인증기관에 요청 중"). */
  readonly label: string;
}

/** An error said the way the visitor can act on it (STYLE #7). */
export interface ErrorBox {
  readonly happened: string;
  readonly todo: string;
}

/** "Are you still there?": the visit is wiped when it reaches 0. */
export interface Countdown {
  /** Seconds left, when the caller's clock knows them. */
  readonly seconds?: number;
  readonly text: string;
}

/** Which screen a model is (for tests, golden files, and a renderer's layout choices). */
export type ScreenId =
  | 'outOfService'
  | 'welcome'
  | 'home'
  | 'choosing'
  | 'form'
  | 'idChoice'
  | 'mrz'
  | 'reading'
  | 'waitingForCard'
  | 'teller'
  | 'fee'
  | 'working'
  | 'revocation'
  | 'storage'
  | 'confirmFormat'
  | 'password'
  | 'pin'
  | 'heldSecret'
  | 'heldList'
  | 'issuing'
  | 'result'
  | 'rejected'
  | 'failure'
  | 'ending';

/** One screen, reduced to what is shown. Plain data: no functions, no class instances. */
export interface ScreenModel {
  readonly screen: ScreenId;
  readonly lang: Lang;
  readonly steps: StepBar;
  readonly title: string;
  /** Body text, one entry a line (a renderer may wrap a long one). */
  readonly lines: readonly string[];
  readonly pick?: PickList;
  readonly fields?: Fields;
  readonly checklist?: readonly Check[];
  readonly progress?: Progress;
  readonly error?: ErrorBox;
  readonly countdown?: Countdown;
  /** The key hints line ("Enter 선택  Esc 이전  F2 English"). */
  readonly keys: string;
}

/** The named keys a screen reports; printable characters come as `text`. */
export type KeyName =
  'up' | 'down' | 'left' | 'right' | 'enter' | 'tab' | 'backtab' | 'backspace' | 'delete';

/**
 * What a screen sends back. It interprets nothing: the service decides what a key means at the
 * step it is in. A secret field's characters arrive as `text` too, one key at a time; the service
 * appends them to a Buffer it zeroes and shows only their count (issue 15: no blessed textbox).
 */
export type UiEvent =
  /** An item picked directly (its number typed, or a touch), by the item's id. */
  | { readonly type: 'pick'; readonly id: string }
  | { readonly type: 'key'; readonly key: KeyName }
  /** Characters typed into the focused field. */
  | { readonly type: 'text'; readonly text: string }
  /** One step back (Esc). */
  | { readonly type: 'back' }
  /** End the visit (its cancel key); the service asks nothing more of the screen. */
  | { readonly type: 'cancel' }
  /** Korean ↔ English. */
  | { readonly type: 'language' };

/** A screen: draws models, reports events. */
export interface Screen {
  /** Draws `model`, replacing what was drawn. Synchronous; never throws on a well-formed model. */
  render(model: ScreenModel): void;
  /** Calls `listener` for every event until the returned function is called. */
  onEvent(listener: (event: UiEvent) => void): () => void;
  /** Restores the terminal and stops reporting events. Idempotent. */
  close(): void;
}
