import { describe, expect, it } from 'vitest';
import { bacKeys, ifdCompleteAuthentication } from '../../../drivers/emrtd/bac.js';
import { concat, retailMac, tdesEncrypt } from '../../../drivers/emrtd/crypto.js';
import { BacFailedError } from '../../../src/errors/index.js';
import { appendixD } from '../../fixtures/apdu/icaoAppendixD.js';

// ICAO 9303-11 §4.3.3.1 step 6: the terminal checks that the card's E_IC decrypts to
// RND.IC ‖ RND.IFD ‖ K.ICC with *its own* RND.IFD. A card (or a relay) that answers with a
// properly MACed cryptogram over another nonce must not get a session (issue 11 item 20).

const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const keys = bacKeys(appendixD.mrzInfo);
const rndIc = bytes(appendixD.rndIc);
const rndIfd = bytes(appendixD.rndIfd);
const kIfd = bytes(appendixD.kIfd);
const kIcc = bytes(appendixD.kIcc);

/** What a card holding the document keys answers, echoing the given nonces. */
function cardAnswer(echoIc: Uint8Array, echoIfd: Uint8Array): Uint8Array {
  const eIc = tdesEncrypt(keys.kEnc, concat(echoIc, echoIfd, kIcc));
  return concat(eIc, retailMac(keys.kMac, eIc));
}

function problemOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (e) {
    if (e instanceof BacFailedError) return e.problem;
    throw e;
  }
}

describe('BAC: the card must echo the terminal nonce', () => {
  it('the Appendix D chip response, echoing both nonces, completes', () => {
    const session = ifdCompleteAuthentication(
      keys,
      bytes(appendixD.chipResponse),
      rndIc,
      rndIfd,
      kIfd,
    );
    expect(Buffer.from(session.ssc).toString('hex').toUpperCase()).toBe(appendixD.ssc);
    // The helper builds the same bytes the chip sent, so the cases below differ only in the nonce.
    expect(Buffer.from(cardAnswer(rndIc, rndIfd)).toString('hex').toUpperCase()).toBe(
      appendixD.chipResponse,
    );
  });

  it('a MACed answer over another RND.IFD fails with nonceMismatch', () => {
    for (const position of [0, 4, 7]) {
      const other = Uint8Array.from(rndIfd);
      other[position] = (other[position] ?? 0) ^ 0x01;
      expect(
        problemOf(() =>
          ifdCompleteAuthentication(keys, cardAnswer(rndIc, other), rndIc, rndIfd, kIfd),
        ),
      ).toBe('nonceMismatch');
    }
  });

  it('a MACed answer over another RND.IC fails with nonceMismatch', () => {
    const other = Uint8Array.from(rndIc);
    other[3] = (other[3] ?? 0) ^ 0x80;
    expect(
      problemOf(() =>
        ifdCompleteAuthentication(keys, cardAnswer(other, rndIfd), rndIc, rndIfd, kIfd),
      ),
    ).toBe('nonceMismatch');
  });

  it('an answer with a wrong MAC fails before decryption', () => {
    const answer = cardAnswer(rndIc, rndIfd);
    answer[39] = (answer[39] ?? 0) ^ 0x01;
    expect(problemOf(() => ifdCompleteAuthentication(keys, answer, rndIc, rndIfd, kIfd))).toBe(
      'badMac',
    );
  });
});
