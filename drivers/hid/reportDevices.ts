import type {
  HidDeviceInfo,
  PinEntry,
  PinEntryEvent,
  PinKey,
  PinPad,
  PinPadReportMap,
  ScanEvent,
  Scanner,
  ScannerSettings,
} from './contract.js';
import { HidDeviceGoneError } from './errors.js';
import { PinReportDecoder } from './pinReport.js';
import { ScanAssembler } from './scanReport.js';

// The PIN pad and the scanner over a stream of input reports, whatever delivers them: node-hid
// (nodeHidDriver.ts) or the fake's in-memory device (fake.ts). Report decoding and the entry's
// buffer handling are therefore the same code in tests and on the kiosk.

/** Where an open device's input reports come from. */
export interface ReportSource {
  /**
   * Starts delivery: `onReport` for each input report (the callee may zero it), `onGone` once if
   * the device is unplugged or fails; nothing after `close()`.
   */
  start(onReport: (report: Buffer) => void, onGone: (cause?: unknown) => void): void;
  close(): Promise<void>;
}

const asciiZero = 0x30;

/** One entry in progress: writes digits into the caller's buffer and tells its listener. */
class ActiveEntry implements PinEntry {
  length = 0;
  stopped = false;

  constructor(
    private readonly into: Buffer,
    private readonly listener: (event: PinEntryEvent) => void,
    private readonly onStop: (entry: ActiveEntry) => void,
  ) {}

  key(key: PinKey): void {
    if (this.stopped) return;
    switch (key.type) {
      case 'digit':
        if (this.length >= this.into.length) {
          this.listener({ type: 'full', length: this.length });
          return;
        }
        this.into[this.length++] = asciiZero + key.digit;
        this.listener({ type: 'digit', length: this.length });
        return;
      case 'backspace':
        if (this.length > 0) this.into[--this.length] = 0;
        this.listener({ type: 'backspace', length: this.length });
        return;
      case 'clear':
        this.into.fill(0);
        this.length = 0;
        this.listener({ type: 'clear', length: 0 });
        return;
      case 'enter':
        this.listener({ type: 'enter', length: this.length });
        return;
      case 'cancel':
        this.listener({ type: 'cancel' });
        return;
    }
  }

  fail(error: HidDeviceGoneError): void {
    if (this.stopped) return;
    this.stop();
    this.listener({ type: 'error', error });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop(this);
  }
}

/** A PinPad over a report source. */
export class ReportPinPad implements PinPad {
  private readonly decoder: PinReportDecoder;
  private entry: ActiveEntry | undefined;
  private gone: HidDeviceGoneError | undefined;
  private closed = false;

  constructor(
    readonly info: HidDeviceInfo,
    map: PinPadReportMap,
    private readonly source: ReportSource,
  ) {
    this.decoder = new PinReportDecoder(map);
    source.start(
      (report) => {
        // Decoded even with no entry running, so that the keys held stay known; then dropped.
        for (const key of this.decoder.decode(report)) this.entry?.key(key);
      },
      (cause) => {
        this.gone = new HidDeviceGoneError('pinPad', info.path, { cause });
        this.entry?.fail(this.gone);
        void this.close();
      },
    );
  }

  startEntry(into: Buffer, listener: (event: PinEntryEvent) => void): PinEntry {
    this.entry?.stop();
    const entry = new ActiveEntry(into, listener, (stopped) => {
      if (this.entry === stopped) this.entry = undefined;
    });
    this.entry = entry;
    const gone = this.gone;
    if (gone !== undefined)
      queueMicrotask(() => {
        entry.fail(gone);
      });
    else if (this.closed)
      queueMicrotask(() => {
        entry.fail(new HidDeviceGoneError('pinPad', this.info.path));
      });
    return entry;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.entry?.stop();
    this.decoder.reset();
    await this.source.close();
  }
}

/** A Scanner over a report source. */
export class ReportScanner implements Scanner {
  private readonly assembler: ScanAssembler;
  private readonly listeners = new Set<(event: ScanEvent) => void>();
  private closed = false;

  constructor(
    readonly info: HidDeviceInfo,
    settings: ScannerSettings,
    private readonly source: ReportSource,
    now: () => number = Date.now,
  ) {
    this.assembler = new ScanAssembler(
      settings.layout,
      settings.maxScanBytes,
      settings.assemblyTimeoutMs,
    );
    source.start(
      (report) => {
        for (const event of this.assembler.push(report, now())) this.emit(event);
      },
      (cause) => {
        this.emit({
          type: 'error',
          error: new HidDeviceGoneError('scanner', info.path, { cause }),
        });
        this.listeners.clear();
        void this.close();
      },
    );
  }

  watch(listener: (event: ScanEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.source.close();
  }

  private emit(event: ScanEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
