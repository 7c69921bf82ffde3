import type { CardApplication } from './contract.js';

/** One step of an APDU script: the command expected and the answer to give. */
export interface ScriptStep {
  readonly command: Uint8Array;
  readonly response: Uint8Array;
  /** The script's line of the command, for messages. */
  readonly line: number;
}

/**
 * Parses an APDU script (test/fixtures/apdu/*.apdu): `> hex` is a command the reader must send,
 * `< hex` the card's answer to it; hex may be spaced; `#` starts a comment; blank lines are
 * ignored. Throws on anything else, naming the line.
 */
export function parseApduScript(text: string): ScriptStep[] {
  const steps: ScriptStep[] = [];
  let pending: { command: Uint8Array; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const kind = line[0];
    const hex = line.slice(1).replace(/\s+/g, '');
    if ((kind !== '>' && kind !== '<') || !/^([0-9a-fA-F]{2})+$/.test(hex))
      throw new Error(`APDU script line ${String(index + 1)}: expected "> hex" or "< hex"`);
    const bytes = new Uint8Array(Buffer.from(hex, 'hex'));
    if (kind === '>') {
      if (pending) throw new Error(`APDU script line ${String(index + 1)}: two commands in a row`);
      pending = { command: bytes, line: index + 1 };
    } else {
      if (!pending)
        throw new Error(`APDU script line ${String(index + 1)}: an answer without a command`);
      steps.push({ ...pending, response: bytes });
      pending = undefined;
    }
  });
  if (pending)
    throw new Error(`APDU script line ${String(pending.line)}: a command without answer`);
  return steps;
}

/**
 * A card that plays an APDU script: each command must be the next one expected, byte for byte.
 * A command off the script is answered 6F00 and recorded in `mismatches`, for the test to report.
 */
export class ScriptedCard implements CardApplication {
  private next = 0;
  readonly mismatches: string[] = [];

  constructor(
    private readonly steps: readonly ScriptStep[],
    readonly atr: Uint8Array = new Uint8Array([0x3b, 0x88, 0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
  ) {}

  /** Whether every step was played. */
  get done(): boolean {
    return this.next === this.steps.length;
  }

  reset(): void {
    // A script is one session: a reset does not rewind it.
  }

  respond(apdu: Uint8Array): Uint8Array {
    const step = this.steps[this.next];
    const got = Buffer.from(apdu).toString('hex').toUpperCase();
    if (step === undefined) {
      this.mismatches.push(`after the script: ${got}`);
      return new Uint8Array([0x6f, 0x00]);
    }
    const expected = Buffer.from(step.command).toString('hex').toUpperCase();
    if (got !== expected) {
      this.mismatches.push(`line ${String(step.line)}: expected ${expected}, got ${got}`);
      return new Uint8Array([0x6f, 0x00]);
    }
    this.next++;
    return step.response;
  }
}
