import { describe, expect, it } from 'vitest';
import { FakePcscDriver } from '../../drivers/pcsc/fake.js';
import { parseApduScript, ScriptedCard } from '../../drivers/pcsc/scriptedCard.js';
import { CardError, CardRemovedError, PcscUnavailableError } from '../../src/errors/index.js';
import { pcscContractSuite, TestCard } from './pcsc.js';

pcscContractSuite('fake', () => {
  const driver = new FakePcscDriver();
  driver.addReader('Fake Reader 00');
  return Promise.resolve({
    driver,
    reader: 'Fake Reader 00',
    insert: (card) => {
      driver.insert('Fake Reader 00', card);
      return Promise.resolve();
    },
    pull: () => {
      driver.pull('Fake Reader 00');
      return Promise.resolve();
    },
    cleanup: () => driver.close(),
  });
});

describe('fake PC/SC controls', () => {
  it('pulls the card after N APDUs, mid-exchange', async () => {
    const driver = new FakePcscDriver();
    driver.addReader('r');
    driver.insert('r', new TestCard());
    driver.pullAfter('r', 2);
    const t = await driver.connect();
    await t.transmit(new Uint8Array([0, 0xca, 0, 0, 1]));
    await t.transmit(new Uint8Array([0, 0xca, 0, 0, 1]));
    await expect(t.transmit(new Uint8Array([0, 0xca, 0, 0, 1]))).rejects.toBeInstanceOf(
      CardRemovedError,
    );
  });

  it('pcscd stopped and started: PcscUnavailableError meanwhile', async () => {
    const driver = new FakePcscDriver();
    driver.addReader('r');
    driver.insert('r', new TestCard());
    driver.stopDaemon();
    await expect(driver.readers()).rejects.toBeInstanceOf(PcscUnavailableError);
    driver.startDaemon();
    expect((await driver.readers()).map((r) => r.name)).toEqual(['r']);
  });

  it('a reader that refuses extended length says so once, and the transport remembers', async () => {
    const driver = new FakePcscDriver();
    driver.addReader('r', { refusesExtended: true });
    driver.insert('r', new TestCard());
    const t = await driver.connect();
    expect(t.extendedLength).toBeUndefined();
    const error = await t
      .transmit(new Uint8Array([0, 0xb0, 0, 0, 0, 0x10, 0]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardError);
    expect(t.extendedLength).toBe(false);
  });

  it('plays an APDU script and reports commands off the script', () => {
    const card = new ScriptedCard(
      parseApduScript(
        '# select\n> 00 A4 04 0C 02 3F00\n< 90 00\n> 00B0000004 # read\n< 0102 0304 9000\n',
      ),
    );
    expect(
      Buffer.from(card.respond(new Uint8Array([0, 0xa4, 4, 0x0c, 2, 0x3f, 0]))).toString('hex'),
    ).toBe('9000');
    expect(Buffer.from(card.respond(new Uint8Array([0, 0xb0, 0, 0, 5]))).toString('hex')).toBe(
      '6f00',
    );
    expect(card.mismatches).toEqual(['line 4: expected 00B0000004, got 00B0000005']);
    expect(card.done).toBe(false);
    expect(() => parseApduScript('> 00A4\n> 00B0')).toThrow(/line 2: two commands in a row/);
  });
});
