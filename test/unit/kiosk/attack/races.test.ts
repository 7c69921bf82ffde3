import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApduTransport } from '../../../../drivers/pcsc/contract.js';
import { Vault } from '../../../../src/kiosk/vault.js';
import { idn, mrzOf, until } from '../../../support/kioskWorld.js';
import { attackKiosk, approveInPerson, settle, walkToInPersonApproval } from './attackWorld.js';

// Cancel racing an effect: the visit ends (wiping its vault, forgetting the chip reading) while
// an operation it started is still running; the operation's late result must not bring back
// what the wipe removed. The vaults a visit makes are followed by spying on Vault.prototype.put.

afterEach(() => {
  vi.restoreAllMocks();
});

/** The vaults that were given a secret, with the names they were given (put still runs). */
function followVaults() {
  const put = vi.spyOn(Vault.prototype, 'put');
  return {
    entries: (): [Vault, string[]][] => {
      const vaults = new Map<Vault, string[]>();
      (put.mock.contexts as Vault[]).forEach((vault, i) => {
        vaults.set(vault, [...(vaults.get(vault) ?? []), String(put.mock.calls[i]?.[0])]);
      });
      return [...vaults];
    },
    keys: (): Vault[] => [...new Set(put.mock.contexts as Vault[])],
  };
}

describe('cancel while the RA registers', () => {
  it('the authorization code that arrives after the wipe is zeroed, never kept', async () => {
    let answer: () => void = () => undefined;
    const raGate = new Promise<void>((resolve) => (answer = resolve));
    const vaults = followVaults();
    const { service, seen, codes, close } = await attackKiosk('usb', { raGate });
    const visit = service.startVisit();
    await walkToInPersonApproval(visit);
    await approveInPerson(visit);
    await until(visit, (s) => s.matches({ flow: 'registering' }));
    expect(seen).toHaveLength(1);
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    answer();
    await settle();
    expect(codes).toHaveLength(1);
    // Today: the register effect puts the code in the vault after the wipe (it does not look at
    // its signal once the RA has answered), and nothing zeroes it again.
    expect(vaults.keys()).not.toEqual([]);
    for (const [vault, names] of vaults.entries()) {
      expect(names).toContain('idn');
      expect(vault.has('authCode')).toBe(false);
      expect(vault.has('idn')).toBe(false);
    }
    close();
  }, 60_000);

  it('a registration that fails after the cancel leaves the vault empty (withstood)', async () => {
    let answer: () => void = () => undefined;
    const raGate = new Promise<void>((resolve) => (answer = resolve));
    const vaults = followVaults();
    const { service, close } = await attackKiosk('usb', {
      raGate,
      raFails: new Error('RA: 503'),
    });
    const visit = service.startVisit();
    await walkToInPersonApproval(visit);
    await approveInPerson(visit);
    await until(visit, (s) => s.matches({ flow: 'registering' }));
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    answer();
    await settle();
    for (const vault of vaults.keys()) expect(vault.has('idn')).toBe(false);
    close();
  }, 60_000);
});

describe('cancel while the chip is read', () => {
  it('a chip reading that completes after the visit ended is not kept for the teller', async () => {
    const { service, profile, pcsc, close } = await attackKiosk('usb');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let closing = false;
    const connect = pcsc.connect.bind(pcsc);
    vi.spyOn(pcsc, 'connect').mockImplementation(async (name?: string) => {
      const transport = await connect(name);
      const hold: ApduTransport = Object.assign(Object.create(transport) as ApduTransport, {
        close: async () => {
          // The read is over (every APDU answered): hold the card's release until told.
          closing = true;
          await held;
          await transport.close();
        },
      });
      return hold;
    });
    const visit = service.startVisit();
    visit.send({ type: 'visitor.start', purpose: 'issue' });
    visit.send({ type: 'visitor.select', institution: 'demo-bank', certificateType: 'bank' });
    visit.submitForm({ name: '홍길동', idn: Buffer.from(idn), phone: '010-1234-5678' });
    visit.send({ type: 'visitor.chip' });
    visit.send({ type: 'visitor.mrz', entry: mrzOf(profile) });
    await vi.waitFor(() => {
      expect(closing).toBe(true);
    }, 30_000);
    visit.send({ type: 'visit.cancel' });
    expect(await visit.ended).toBe('cancelled');
    expect(visit.chipReading()).toBeUndefined();
    release();
    await settle();
    // Today: the effect hands the reading (DG1, photo) to the visit after its end; chipReading()
    // serves it to whoever asks until the next visit replaces the object.
    expect(visit.chipReading()).toBeUndefined();
    close();
  }, 60_000);
});
