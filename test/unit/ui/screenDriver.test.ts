import { describe, expect, it } from 'vitest';
import { ScreenDriver, type KioskPort } from '../../../src/kiosk/screens/driver.js';
import { RecordingScreen } from '../../../ui/fake/recordingScreen.js';
import type { UiEvent } from '../../../ui/contract.js';
import {
  childState,
  idn,
  kiosk,
  mrzOf,
  nextDraw,
  password,
  until,
  walkToStorage,
} from '../../support/kioskWorld.js';
import { handMadeVisit, portOf, viewWith } from '../../support/screenVisits.js';
import { SecretField } from '../../../src/kiosk/screens/secretField.js';

// Issue 15 items 1 and 2: a whole issuance played on the recording screen, key by key, through the
// screen driver: the visitor's keys are UiEvents, the teller's approval an event from the test.
// The password and the resident number typed never appear in a model.

const typeText = (screen: RecordingScreen, text: string) => {
  for (const ch of text) screen.emit({ type: 'text', text: ch });
};
const key = (screen: RecordingScreen, name: Extract<UiEvent, { type: 'key' }>['key']) => {
  screen.emit({ type: 'key', key: name });
};

describe('the screen driver', () => {
  it('plays a whole issuance onto a drive from keys alone', async () => {
    const { service, profile, close } = await kiosk('usb');
    const screen = new RecordingScreen();
    const driver = new ScreenDriver(portOf(service), screen);
    expect(screen.last?.screen).toBe('welcome');
    key(screen, 'enter');
    expect(screen.last?.screen).toBe('home');
    screen.emit({ type: 'language' });
    expect(screen.last?.title).toBe('What would you like to do?');
    screen.emit({ type: 'language' });
    key(screen, 'enter'); // the first item: issue
    expect(screen.last?.screen).toBe('choosing');
    key(screen, 'enter'); // the free bank certificate
    expect(screen.last?.screen).toBe('form');

    typeText(screen, '홍길동');
    key(screen, 'tab');
    typeText(screen, idn);
    key(screen, 'tab');
    typeText(screen, '02-123');
    const form = screen.last?.fields?.items;
    expect(form?.map((f) => f.value)).toEqual(['홍길동', '900101-1******', '02-123']);
    expect(form?.[2]?.problems.length).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) key(screen, 'backspace');
    typeText(screen, '010-1234-5678');
    expect(screen.last?.fields?.items[2]?.problems).toEqual([]);
    key(screen, 'enter');
    expect(screen.last?.screen).toBe('idChoice');

    screen.emit({ type: 'pick', id: 'chip' });
    const mrz = mrzOf(profile);
    for (const value of [mrz.documentNumber, mrz.birthDate, mrz.expiryDate]) {
      typeText(screen, value);
      key(screen, 'enter');
    }
    const visit = service.visit;
    if (visit === undefined) throw new Error('no visit');
    await until(visit, (s) => childState(s, 'identity') === 'approval');
    await nextDraw();
    expect(screen.last?.screen).toBe('teller');
    visit.send({
      type: 'teller.approve',
      teller: 'kim',
      at: new Date().toISOString(),
      overrideReason: 'test chip without a CSCA; photo matches the visitor',
    });
    await until(visit, (s) => s.matches({ flow: 'storage' }));
    await nextDraw();
    expect(screen.last?.screen).toBe('storage');
    screen.emit({ type: 'pick', id: 'usb:/dev/sdz' });
    expect(screen.last?.screen).toBe('password');

    typeText(screen, password.slice(0, 4));
    expect(screen.last?.checklist?.map((c) => c.ok)).toEqual([false, true, false, false, true]);
    typeText(screen, password.slice(4));
    expect(screen.last?.checklist?.every((c) => c.ok)).toBe(true);
    expect(screen.last?.fields?.items[0]?.value).toBe('*'.repeat(password.length));
    key(screen, 'enter');
    typeText(screen, password);
    key(screen, 'enter');
    await until(visit, (s) => s.matches({ flow: 'done' }));
    await nextDraw();
    expect(screen.models.some((m) => m.screen === 'issuing')).toBe(true);
    expect(screen.last?.screen).toBe('result');
    expect(screen.last?.steps.current).toBe(7);
    key(screen, 'enter');
    expect(await visit.ended).toBe('done');

    const everything = JSON.stringify(screen.models);
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(idn.slice(7));
    driver.stop();
    close();
  }, 60_000);
});

describe('the countdown and the secret fields', () => {
  it('counts the inactivity warning down from the wipe delay, and stops with it', () => {
    let attention: 'warning' | 'watching' = 'warning';
    let now = 1_000_000;
    const port: KioskPort = {
      snapshot: () => viewWith(handMadeVisit({ flow: 'form', attention })),
      subscribe: () => () => undefined,
      send: () => undefined,
      visit: () => undefined,
    };
    const screen = new RecordingScreen();
    const driver = new ScreenDriver(port, screen, { wipeMs: 30_000, now: () => now });
    expect(screen.last?.countdown?.seconds).toBe(30);
    now += 12_500;
    driver.draw();
    expect(screen.last?.countdown?.seconds).toBe(18);
    expect(screen.last?.countdown?.text).toContain('18초');
    attention = 'watching';
    driver.draw();
    expect(screen.last?.countdown).toBeUndefined();
    driver.stop();
  });

  it('keeps typed secrets as bytes, removes whole characters, zeroes what it gives away', () => {
    const field = new SecretField(8);
    expect(field.append('a한')).toBe(true);
    expect(field.count).toBe(2);
    field.backspace();
    expect(field.view().toString()).toBe('a');
    expect(field.append('12345678')).toBe(false);
    const copy = field.copy();
    const view = field.view();
    field.wipe();
    expect(copy.toString()).toBe('a');
    expect(view.every((b) => b === 0)).toBe(true);
    expect(field.count).toBe(0);
  });
});

describe('the storage pick', () => {
  /** To the storage step with the drive watcher saying `needsFormat` of the world's drive. */
  async function pickDrive(needsFormat: boolean): Promise<{ state: unknown; screen: string }> {
    const { service, profile, close } = await kiosk('usb');
    const base = portOf(service);
    const details = { sizeBytes: 64e6, filesystem: needsFormat ? 'none' : 'fat32', needsFormat };
    const port: KioskPort = {
      ...base,
      snapshot: () => ({ ...base.snapshot(), driveDetails: { '/dev/sdz': details } }),
    };
    const screen = new RecordingScreen();
    const driver = new ScreenDriver(port, screen);
    port.send({ type: 'kiosk.visitor' });
    const visit = service.visit;
    if (visit === undefined) throw new Error('no visit');
    await walkToStorage(visit, profile);
    await nextDraw();
    screen.emit({ type: 'pick', id: 'usb:/dev/sdz' });
    await nextDraw();
    const picked = {
      state: childState(visit.snapshot(), 'storage'),
      screen: screen.last?.screen ?? '',
    };
    driver.stop();
    close();
    return picked;
  }

  it('sends a drive the watcher found not FAT to the format confirmation, erasing nothing yet', async () => {
    expect(await pickDrive(true)).toEqual({ state: 'confirmFormat', screen: 'confirmFormat' });
  });

  it('takes a FAT drive straight to the password', async () => {
    expect(await pickDrive(false)).toEqual({ state: 'password', screen: 'password' });
  });
});
