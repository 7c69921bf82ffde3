import { describe, expect, it } from 'vitest';
import { FakeHidDriver } from '../../../drivers/hid/fake.js';
import { scannerSettings } from '../../../drivers/hid/settings.js';
import { ScreenDriver, type KioskPort } from '../../../src/kiosk/screens/driver.js';
import { encodeApplicationCode, type ApplicationCode } from '../../../src/text/applicationCode.js';
import type { ScreenModel, UiEvent } from '../../../ui/contract.js';
import { RecordingScreen } from '../../../ui/fake/recordingScreen.js';
import { idn, kiosk } from '../../support/kioskWorld.js';
import { handMadeVisit, portOf, viewWith } from '../../support/screenVisits.js';

// Issue 15 item 5: the QR scanner wired to the screen driver. An application code scanned on the
// form step fills the name and phone; the visitor types the resident number and submits as usual.
// A refused code (damaged, carrying a resident number, too long for the scanner) shows its
// problem under the name and changes no field; a scan anywhere else is dropped; an unplugged
// scanner leaves the keyboard working.

const scanDevice = { vendorId: 0x1209, productId: 0x0002 };
const applicant: ApplicationCode = {
  institution: 'demo-bank',
  certificateType: 'bank',
  name: '김민지',
  phone: '010-9876-5432',
};
const refusedKo = '신청 코드를 읽을 수 없습니다. 직접 입력해 주세요.';
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

async function scannerOf() {
  const hid = new FakeHidDriver();
  const path = hid.plug(scanDevice, [[0x8c, 0x02]]);
  const scanner = await hid.openScanner(scannerSettings({ ...scanDevice, maxScanBytes: 512 }));
  return {
    scanner,
    scan: (payload: Uint8Array) => {
      hid.scan(path, payload);
    },
    unplug: () => {
      hid.unplug(path);
    },
  };
}

const values = (model: ScreenModel | undefined) => model?.fields?.items.map((f) => f.value);
const problemsOf = (model: ScreenModel | undefined, id: string) =>
  model?.fields?.items.find((f) => f.id === id)?.problems;
const key = (screen: RecordingScreen, name: Extract<UiEvent, { type: 'key' }>['key']) => {
  screen.emit({ type: 'key', key: name });
};

describe('the scanner on the form step', () => {
  it('fills the name and phone from a code; the visitor adds the resident number and submits', async () => {
    const { service, close } = await kiosk('usb');
    const screen = new RecordingScreen();
    const scanner = await scannerOf();
    const driver = new ScreenDriver(portOf(service), screen, { scanner: scanner.scanner });
    key(screen, 'enter');
    expect(screen.last?.screen).toBe('home');
    const drawn = screen.models.length;
    scanner.scan(ascii(encodeApplicationCode(applicant)));
    expect(screen.models).toHaveLength(drawn);
    key(screen, 'enter'); // issue
    key(screen, 'enter'); // the free bank certificate
    expect(screen.last?.screen).toBe('form');
    expect(values(screen.last)).toEqual(['', '', '']);

    const damaged = encodeApplicationCode(applicant).replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    scanner.scan(ascii(damaged));
    expect(problemsOf(screen.last, 'name')).toEqual([refusedKo]);
    expect(values(screen.last)).toEqual(['', '', '']);

    scanner.scan(ascii(encodeApplicationCode(applicant)));
    expect(values(screen.last)).toEqual([applicant.name, '', applicant.phone]);
    expect(problemsOf(screen.last, 'name')).toEqual([]);
    expect(screen.last?.fields?.focus).toBe(1);
    // An unplugged scanner changes nothing: the keyboard goes on.
    scanner.unplug();
    for (const ch of idn) screen.emit({ type: 'text', text: ch });
    expect(values(screen.last)).toEqual([applicant.name, '900101-1******', applicant.phone]);
    key(screen, 'tab');
    key(screen, 'enter');
    expect(screen.last?.screen).toBe('idChoice');
    expect(service.visit?.snapshot().context.form).toMatchObject({
      name: applicant.name,
      phone: applicant.phone,
      birthDate: '1990-01-01',
    });
    driver.stop();
    await scanner.scanner.close();
    close();
  }, 60_000);

  it('refuses a code with a resident number and a scan too long, keeping what was there', async () => {
    const port: KioskPort = {
      snapshot: () => viewWith(handMadeVisit({ flow: 'form' })),
      subscribe: () => () => undefined,
      send: () => undefined,
      visit: () => undefined,
    };
    const screen = new RecordingScreen();
    const scanner = await scannerOf();
    const driver = new ScreenDriver(port, screen, { scanner: scanner.scanner });
    screen.emit({ type: 'language' });
    scanner.scan(ascii(encodeApplicationCode(applicant)));
    expect(values(screen.last)).toEqual([applicant.name, '', applicant.phone]);

    const withResidentNumber = encodeApplicationCode({
      ...applicant,
      name: '9001011234568',
    });
    scanner.scan(ascii(withResidentNumber));
    expect(problemsOf(screen.last, 'name')).toEqual([
      'The application code cannot be used. Please fill in the form by hand.',
    ]);
    expect(values(screen.last)).toEqual([applicant.name, '', applicant.phone]);
    expect(JSON.stringify(screen.models)).not.toContain('9001011234568');

    scanner.scan(ascii('NPKIAPP1.'.padEnd(600, 'A')));
    expect(problemsOf(screen.last, 'name')).toEqual([
      'The code could not be read. Please scan it again.',
    ]);
    expect(values(screen.last)).toEqual([applicant.name, '', applicant.phone]);
    driver.stop();
    await scanner.scanner.close();
  });
});
