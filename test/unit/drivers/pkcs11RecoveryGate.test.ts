import { describe, expect, it } from 'vitest';
import { RecoveryGate } from '../../../drivers/pkcs11/recovery.js';
import {
  PinLockedError,
  TokenFailureError,
  TokenRemovedError,
  WrongPinError,
} from '../../../src/errors/index.js';

describe('RecoveryGate (re-initialisation after removal-type errors)', () => {
  function gate(): { gate: RecoveryGate; advance: (ms: number) => void } {
    let now = 1000;
    return {
      gate: new RecoveryGate(2000, () => now),
      advance: (ms) => {
        now += ms;
      },
    };
  }

  it('asks for nothing until an error calls for it', () => {
    expect(gate().gate.shouldReinitialise()).toBe(false);
  });

  it('asks once after a removal, and not again for the same one', () => {
    const { gate: g } = gate();
    g.noteError(new TokenRemovedError('pulled'));
    expect(g.shouldReinitialise()).toBe(true);
    expect(g.shouldReinitialise()).toBe(false);
  });

  it('never asks after PIN errors or other failures', () => {
    const { gate: g } = gate();
    g.noteError(new WrongPinError('low'));
    g.noteError(new PinLockedError());
    g.noteError(new TokenFailureError('CKR_FUNCTION_FAILED'));
    g.noteError(new Error('anything'));
    expect(g.shouldReinitialise()).toBe(false);
  });

  it('waits out the interval between two re-initialisations, keeping the request', () => {
    const { gate: g, advance } = gate();
    g.noteError(new TokenRemovedError('pulled'));
    expect(g.shouldReinitialise()).toBe(true);
    advance(500);
    g.noteError(new TokenRemovedError('pulled again'));
    expect(g.shouldReinitialise()).toBe(false);
    advance(1499);
    expect(g.shouldReinitialise()).toBe(false);
    advance(1);
    expect(g.shouldReinitialise()).toBe(true);
  });
});
