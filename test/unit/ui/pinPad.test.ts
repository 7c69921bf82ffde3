import { afterEach, describe, expect, it } from 'vitest';
import type { PinKey, PinPad } from '../../../drivers/hid/contract.js';
import { FakeHidDriver } from '../../../drivers/hid/fake.js';
import { pinPadSettings } from '../../../drivers/hid/settings.js';
import { ScreenDriver, type KioskPort } from '../../../src/kiosk/screens/driver.js';
import { padField } from '../../../src/kiosk/screens/pinPadEntry.js';
import { screenModel } from '../../../src/kiosk/screens/model.js';
import { createKioskScreen } from '../../../ui/blessed/kioskScreen.js';
import type { Screen, ScreenModel, UiEvent } from '../../../ui/contract.js';
import { RecordingScreen } from '../../../ui/fake/recordingScreen.js';
import { fakeTerminal, type FakeTerminal } from '../../support/fakeTerminal.js';
import { childState, kiosk, nextDraw, until, walkToStorage } from '../../support/kioskWorld.js';
import { handMadeVisit, portOf, viewWith, type HandMadeVisit } from '../../support/screenVisits.js';
import { servicePin } from '../../support/serviceWorld.js';

// Issue 15 item 5: the PIN pad wired to the screen driver. A whole visit onto the fake token with
// its PIN typed on a fake pad: the token takes that PIN (the issuance logs in with it), and the
// digits appear in no model and in no byte written to the terminal. Cancel on the pad is Esc; an
// unplugged pad leaves the keyboard working.

const padDevice = { vendorId: 0x1209, productId: 0x0001 };
const digits = (text: string): PinKey[] =>
  Array.from(Buffer.from(text, 'latin1'), (byte) => ({ type: 'digit', digit: byte - 0x30 }));

/** A fake pad plugged and opened; every buffer the driver hands it is kept, to see it zeroed. */
async function padOf() {
  const hid = new FakeHidDriver();
  const path = hid.plug(padDevice, [[0xff00, 0x01]]);
  const opened = await hid.openPinPad(pinPadSettings(padDevice));
  const buffers: Buffer[] = [];
  const pad: PinPad = {
    info: opened.info,
    startEntry: (into, listener) => {
      buffers.push(into);
      return opened.startEntry(into, listener);
    },
    close: () => opened.close(),
  };
  return {
    pad,
    buffers,
    press: (...keys: PinKey[]) => {
      hid.press(path, ...keys);
    },
    unplug: () => {
      hid.unplug(path);
    },
  };
}

/** Draws on `inner` and keeps every model drawn. */
function recording(inner: Screen): Screen & { models: ScreenModel[] } {
  const models: ScreenModel[] = [];
  return {
    models,
    render: (model) => {
      models.push(model);
      inner.render(model);
    },
    onEvent: (listener: (event: UiEvent) => void) => inner.onEvent(listener),
    close: () => {
      inner.close();
    },
  };
}

const pinValue = (model: ScreenModel | undefined) =>
  model?.screen === 'pin' ? model.fields?.items[0]?.value : undefined;

let term: FakeTerminal | undefined;
afterEach(() => {
  term?.dispose();
  term = undefined;
});

describe('the PIN pad on the PIN step', () => {
  it('types the token’s PIN: the token takes it, the terminal and the models never see it', async () => {
    const { service, world, profile, close } = await kiosk('token');
    term = fakeTerminal(80, 24);
    const screen = recording(createKioskScreen({ input: term.input, output: term.output }));
    const pad = await padOf();
    const port = portOf(service);
    const driver = new ScreenDriver(port, screen, { pinPad: pad.pad });
    port.send({ type: 'kiosk.visitor' });
    const visit = service.visit;
    if (visit === undefined) throw new Error('no visit');
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseToken', label: 'visitor' });
    await nextDraw();
    expect(screen.models.at(-1)?.screen).toBe('pin');
    expect(pad.buffers).toHaveLength(1);

    for (const [i, key] of digits(servicePin).entries()) {
      pad.press(key);
      expect(pinValue(screen.models.at(-1))).toBe('*'.repeat(i + 1));
    }
    await term.settle();
    expect(term.lines().join('\n')).toContain('*'.repeat(servicePin.length));
    // The digits are in the driver's buffer, not anywhere else.
    expect(pad.buffers[0]?.subarray(0, servicePin.length).toString('latin1')).toBe(servicePin);

    pad.press({ type: 'enter' });
    expect(childState(visit.snapshot(), 'storage')).not.toBe('pin');
    expect(pad.buffers.every((b) => b.every((byte) => byte === 0))).toBe(true);
    // The issuance logs in to the fake token with the PIN the vault holds: a wrong one fails it.
    await until(visit, (s) => s.matches({ flow: 'done' }));
    await nextDraw();
    expect(await world.serials()).toHaveLength(1);
    expect(screen.models.at(-1)?.screen).toBe('result');

    await term.settle();
    expect(term.bytes()).not.toContain(servicePin);
    expect(JSON.stringify(screen.models)).not.toContain(servicePin);
    driver.stop();
    screen.close();
    expect(pad.buffers.every((b) => b.every((byte) => byte === 0))).toBe(true);
    await pad.pad.close();
    close();
  }, 60_000);

  it('Cancel is Esc; the keyboard takes the field over; an unplugged pad leaves the keyboard', async () => {
    const { service, profile, close } = await kiosk('token');
    const screen = new RecordingScreen();
    const pad = await padOf();
    const port = portOf(service);
    const driver = new ScreenDriver(port, screen, { pinPad: pad.pad });
    port.send({ type: 'kiosk.visitor' });
    const visit = service.visit;
    if (visit === undefined) throw new Error('no visit');
    await walkToStorage(visit, profile);
    visit.send({ type: 'visitor.chooseToken', label: 'visitor' });
    await nextDraw();

    pad.press(...digits('12'));
    expect(pinValue(screen.last)).toBe('**');
    pad.press({ type: 'cancel' });
    expect(screen.last?.screen).toBe('storage');
    expect(pad.buffers.every((b) => b.every((byte) => byte === 0))).toBe(true);
    screen.emit({ type: 'pick', id: 'token:visitor' });
    expect(pinValue(screen.last)).toBe('');

    // The last source wins: keyboard text replaces the pad's digits, and the pad the keyboard's.
    pad.press(...digits('987'));
    screen.emit({ type: 'text', text: '5' });
    expect(pinValue(screen.last)).toBe('*');
    pad.press(...digits('44'));
    expect(pinValue(screen.last)).toBe('**');

    pad.unplug();
    expect(screen.last?.screen).toBe('pin');
    expect(screen.last?.error).toBeUndefined();
    expect(pinValue(screen.last)).toBe('');
    expect(pad.buffers.every((b) => b.every((byte) => byte === 0))).toBe(true);
    for (const ch of servicePin) screen.emit({ type: 'text', text: ch });
    expect(pinValue(screen.last)).toBe('*'.repeat(servicePin.length));
    screen.emit({ type: 'key', key: 'enter' });
    expect(childState(visit.snapshot(), 'storage')).not.toBe('pin');
    await until(visit, (s) => s.matches({ flow: 'done' }));
    await nextDraw();
    driver.stop();
    await pad.pad.close();
    close();
  }, 60_000);
});

describe('which fields the pad types into', () => {
  const port = (made: HandMadeVisit): KioskPort => ({
    snapshot: () => viewWith(handMadeVisit(made)),
    subscribe: () => () => undefined,
    send: () => undefined,
    visit: () => undefined,
  });
  const storage = (value: string): HandMadeVisit => ({
    flow: 'storage',
    children: { storage: { value, context: { secretProblems: [] } } },
  });
  const held = (medium: object): HandMadeVisit => ({
    flow: 'holding',
    context: { purpose: 'renew' },
    children: { held: { value: 'secret', context: { medium, certificates: [] } } },
  });
  const tokenHeld = held({ kind: 'token', label: 'visitor' });
  const driveHeld = held({ kind: 'usb', device: '/dev/sdz' });

  it('the PIN and a token’s held PIN; not a password, which needs letters', () => {
    const fieldOn = (made: HandMadeVisit) => {
      const view = viewWith(handMadeVisit(made));
      return padField(screenModel(view, 'ko'), view);
    };
    expect(fieldOn(storage('pin'))).toBe('pin');
    expect(fieldOn(tokenHeld)).toBe('heldSecret');
    expect(fieldOn(driveHeld)).toBeUndefined();
    expect(fieldOn(storage('password'))).toBeUndefined();
    expect(fieldOn({ flow: 'form' })).toBeUndefined();
  });

  it('counts the pad’s digits on a held token’s PIN, and runs no entry on a password', async () => {
    const pad = await padOf();
    const screen = new RecordingScreen();
    const onToken = new ScreenDriver(port(tokenHeld), screen, { pinPad: pad.pad });
    expect(screen.last?.screen).toBe('heldSecret');
    pad.press(...digits('2468'));
    expect(screen.last?.fields?.items[0]?.value).toBe('****');
    onToken.stop();
    expect(pad.buffers.every((b) => b.every((byte) => byte === 0))).toBe(true);

    const started = pad.buffers.length;
    const onPassword = new ScreenDriver(port(storage('password')), screen, { pinPad: pad.pad });
    pad.press(...digits('2468'));
    expect(screen.last?.screen).toBe('password');
    expect(screen.last?.fields?.items.map((f) => f.value)).toEqual(['', '']);
    expect(pad.buffers).toHaveLength(started);
    onPassword.stop();
    await pad.pad.close();
  });
});
