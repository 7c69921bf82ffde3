import { CardError } from './errors.js';

/**
 * Sends a command and completes the T=0 exchanges (ISO 7816-3 §10.3.4, ISO 7816-4 §5.1.3) so the
 * caller sees one whole response: 6Cxx asks for the same command again with Le = xx; 61xx says xx
 * more bytes wait for GET RESPONSE. Bounded: a card cannot keep the kiosk in this loop. The signal
 * is checked before the command goes: once sent, its exchanges complete (ApduTransport.transmit).
 */
export async function transmitWhole(
  raw: (apdu: Uint8Array) => Promise<Uint8Array>,
  apdu: Uint8Array,
  reader: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  signal?.throwIfAborted();
  let response = await raw(apdu);
  for (let rounds = 0; rounds < 64; rounds++) {
    const sw1 = response[response.length - 2];
    const sw2 = response[response.length - 1] ?? 0;
    if (sw1 === 0x6c && apdu.length >= 5) {
      const again = new Uint8Array(apdu);
      again[again.length - 1] = sw2;
      response = await raw(again);
    } else if (sw1 === 0x61) {
      const data = response.subarray(0, -2);
      const next = await raw(new Uint8Array([0x00, 0xc0, 0x00, 0x00, sw2]));
      response = new Uint8Array([...data, ...next]);
    } else {
      return response;
    }
  }
  throw new CardError(`${reader}: the card kept asking for GET RESPONSE`);
}
