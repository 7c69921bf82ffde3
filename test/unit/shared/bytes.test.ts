import { describe, expect, it } from 'vitest';
import { integerHex, sameBytes, toHex } from '../../../src/shared/bytes.js';

describe('bytes helpers', () => {
  it('compare views by their bytes, not their backing buffers', () => {
    const backing = new Uint8Array([9, 1, 2, 3, 9]);
    expect(sameBytes(backing.subarray(1, 4), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(sameBytes(backing.subarray(1, 4), new Uint8Array([1, 2, 3]).buffer)).toBe(true);
    expect(sameBytes(backing.subarray(1, 4), new Uint8Array([1, 2]))).toBe(false);
    expect(sameBytes(undefined, new Uint8Array(0))).toBe(false);
  });

  it('name bytes and serial numbers in lower-case hex', () => {
    expect(toHex(new Uint8Array([0x00, 0xab, 0x0f]))).toBe('00ab0f');
    expect(toHex(new Uint8Array([0xde, 0xad]).buffer)).toBe('dead');
    // A DER INTEGER's sign byte and leading zeros are not part of the serial; zero stays "00".
    expect(integerHex(new Uint8Array([0x00, 0x00, 0x80, 0x01]))).toBe('8001');
    expect(integerHex(new Uint8Array([0x00]))).toBe('00');
  });
});
