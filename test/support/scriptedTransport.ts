import type { ApduTransport } from '../../drivers/pcsc/contract.js';

/** One expected command and the answer to give (hex, case-insensitive). */
export interface ScriptStep {
  readonly note: string;
  readonly command: string;
  readonly response: string;
}

/**
 * An ApduTransport that replays a script (STYLE.md #13): each transmit must be the next step's
 * command, byte for byte, and gets that step's response. A command off script, or one past the
 * end, fails with a message naming the step, so a test shows the first APDU that differs.
 */
export class ScriptedTransport implements ApduTransport {
  readonly reader = 'scripted';
  readonly atr = Uint8Array.of(0x3b, 0x80, 0x80, 0x01, 0x01);
  extendedLength: boolean | undefined;
  readonly sent: string[] = [];
  #next = 0;

  constructor(
    private readonly script: readonly ScriptStep[],
    extendedLength: boolean | undefined = false,
  ) {
    this.extendedLength = extendedLength;
  }

  /** Whether every step was played. */
  get done(): boolean {
    return this.#next === this.script.length;
  }

  transmit(apdu: Uint8Array): Promise<Uint8Array> {
    const got = Buffer.from(apdu).toString('hex').toUpperCase();
    this.sent.push(got);
    const step = this.script[this.#next];
    if (step === undefined) {
      return Promise.reject(new Error(`command ${got} after the end of the script`));
    }
    if (got !== step.command.toUpperCase()) {
      return Promise.reject(
        new Error(`step ${this.#next} (${step.note}): expected ${step.command}, got ${got}`),
      );
    }
    this.#next++;
    return Promise.resolve(new Uint8Array(Buffer.from(step.response, 'hex')));
  }

  noteExtendedLengthRefused(): void {
    this.extendedLength = false;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
