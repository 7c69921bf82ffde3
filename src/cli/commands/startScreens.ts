// `kiosk start` with screens (issue 15 items 2 and 4): the visitor's screen on the terminal, driven
// by the kiosk (ScreenDriver); in the demo, the teller console beside it in the same terminal, a
// key switching views, and a bar with the demo's credentials and how its chip is reached.
import { closeSync } from 'node:fs';
import type blessed from 'blessed';
import { createKioskScreen } from '../../../ui/blessed/kioskScreen.js';
import { sharedTerminal, type SharedTerminal } from '../../../ui/blessed/sharedTerminal.js';
import { openTellerConsole, type TellerConsole } from '../../../ui/teller/console.js';
import type { Screen } from '../../../ui/contract.js';
import type { PinPad, Scanner } from '../../../drivers/hid/contract.js';
import type { DemoCard } from '../../kiosk/demo/demoCard.js';
import { openHidDevices } from '../../kiosk/hidDevices.js';
import { demoCredentials, type DemoWorld } from '../../kiosk/demo/demoWorld.js';
import type { RunningKiosk } from '../../kiosk/run/kiosk.js';
import { ScreenDriver } from '../../kiosk/screens/driver.js';
import { TellerClient } from '../../teller/client.js';
import { consolePort } from '../../teller/consolePort.js';
import { loadJpeg2000Decoder } from '../../teller/jpeg2000.js';
import { photoGlyphsFor } from '../../teller/photo.js';
import type { CliContext } from '../context.js';

export interface OpenScreens {
  /** Resolves when the person quits (the demo's Ctrl-C); a branch kiosk is stopped by signal. */
  readonly quit: Promise<void>;
  close(): Promise<void>;
}

export interface DemoScreens {
  readonly world: DemoWorld;
  readonly card: DemoCard;
}

type View = 'visitor' | 'teller';

/**
 * The visitor's screen alone (a branch kiosk: the teller works on another machine), with the
 * configured PIN pad and QR scanner.
 */
export async function openKioskScreens(ctx: CliContext, kiosk: RunningKiosk): Promise<OpenScreens> {
  const hid = await openHidDevices(ctx.config, ctx.devices, ctx.log);
  const screen = createKioskScreen();
  return driven(ctx, kiosk, screen, new Promise<void>(() => undefined), hid, async () => {
    screen.close();
    await hid.close();
  });
}

/** The demo: both consoles in one terminal. */
export async function openDemoScreens(
  ctx: CliContext,
  kiosk: RunningKiosk,
  demo: DemoScreens,
): Promise<OpenScreens> {
  const url = kiosk.tellerUrl;
  if (url === undefined) throw new Error('the demo kiosk runs without its teller API');
  let quit = (): void => undefined;
  const quitting = new Promise<void>((resolve) => {
    quit = resolve;
  });
  const lang = ctx.config.language;
  // Called on keys only, after `shared` exists.
  const switchView = (): void => {
    shared.show(shared.shown() === 'visitor' ? 'teller' : 'visitor');
    shared.setBar(barLines(demo, shared.shown(), lang));
  };
  const shared: SharedTerminal<View> = sharedTerminal<View>({
    views: ['visitor', 'teller'],
    barRows: 3,
    ownKey: (_ch, key: blessed.Widgets.Events.IKeyEventArg) => {
      if (key.full === 'C-c') quit();
      else if (key.full === 'C-t' || key.name === 'f12') switchView();
      else return false;
      return true;
    },
  });
  shared.setBar(barLines(demo, 'visitor', lang));
  const screen = createKioskScreen({ host: shared.host('visitor') });
  const jpeg2000 = await loadJpeg2000Decoder();
  const teller: TellerConsole = openTellerConsole({
    // The console lays out for 40x12 at least whatever its box (ui/teller/views.ts layoutSize).
    host: shared.host('teller'),
    port: consolePort(new TellerClient({ url }), {
      glyphs: photoGlyphsFor(process.env),
      ...(jpeg2000 === undefined ? {} : { jpeg2000 }),
    }),
    name: demoCredentials.teller,
    lang,
  });
  // The teller console's own quit (q, Ctrl-Q) ends the demo as Ctrl-C does.
  void teller.closed.then(quit);
  return driven(ctx, kiosk, screen, quitting, {}, async () => {
    await teller.close();
    screen.close();
    shared.close();
  });
}

function driven(
  ctx: CliContext,
  kiosk: RunningKiosk,
  screen: Screen,
  quit: Promise<void>,
  hid: { readonly pinPad?: PinPad; readonly scanner?: Scanner },
  close: () => Promise<void>,
): OpenScreens {
  const driver = new ScreenDriver(kiosk, screen, {
    wipeMs: ctx.config.kiosk.inactivityWipeMs,
    ...(hid.pinPad === undefined ? {} : { pinPad: hid.pinPad }),
    ...(hid.scanner === undefined ? {} : { scanner: hid.scanner }),
  });
  return {
    quit,
    close: async () => {
      driver.stop();
      await close();
    },
  };
}

/**
 * The demo's bar: how to use it, what to type, and how the chip is reached; each line within 78
 * columns so that nothing of it is cut at 80x24.
 */
export function barLines(demo: DemoScreens, shown: View, lang: 'ko' | 'en'): string[] {
  const { world, card } = demo;
  const ko = lang === 'ko';
  const other =
    shown === 'visitor' ? (ko ? '창구 화면' : 'teller view') : ko ? '방문객 화면' : 'visitor view';
  const chip =
    card.transport === 'vpcd'
      ? ko
        ? '칩: pcscd/vpcd'
        : 'chip: on pcscd/vpcd'
      : ko
        ? '칩: 프로세스 안 (pcscd/vpcd 없음)'
        : 'chip: in process (no pcscd/vpcd)';
  const { teller, tellerPassword } = demoCredentials;
  const { name, idn } = world.document;
  const { documentNumber, birthDate, expiryDate } = world.document.manifest;
  const pin = 'label' in world.token ? world.token.pin : undefined;
  return ko
    ? [
        ` 데모 | Ctrl-T ${other} | Ctrl-C 종료 | ${chip}`,
        ` 이름 ${name}  주민번호 ${idn}  여권 ${documentNumber} ${birthDate} ${expiryDate}`,
        ` 창구 ${teller} / ${tellerPassword}${pin === undefined ? '' : `  토큰 PIN ${pin}`}`,
      ]
    : [
        ` DEMO | Ctrl-T ${other} | Ctrl-C quit | ${chip}`,
        ` name ${name}  IDN ${idn}  passport ${documentNumber} ${birthDate} ${expiryDate}`,
        ` teller ${teller} / ${tellerPassword}${pin === undefined ? '' : `  token PIN ${pin}`}`,
      ];
}

/**
 * The terminal the screens are on going away (a closed window, a killed tmux, a dropped ssh: the
 * tty hangs up). Its streams then fail with EIO on every write and on blessed's raw-mode switch,
 * and those errors, unheard, would crash the stop half-way with a stack trace (the kiosk, its
 * CA's servers and the demo's card never closed). Here they are heard and taken as the end of
 * the screens; once the rest is closed, forget() lets go of the dead terminal's descriptors.
 */
export interface TerminalWatch {
  /** Resolves when the terminal is gone (its input ended, a stream failed). */
  readonly lost: Promise<void>;
  isLost(): boolean;
  /**
   * If the terminal is gone: closes the descriptors that were on it, so that Node's exit does not
   * try to restore its modes (tcsetattr on a hung-up tty fails with EIO and Node aborts on that).
   */
  forget(): void;
}

export interface TerminalStreams {
  readonly input: NodeJS.ReadableStream & { readonly fd?: number; readonly isTTY?: boolean };
  readonly outputs: readonly (NodeJS.WritableStream & {
    readonly fd?: number;
    readonly isTTY?: boolean;
  })[];
  readonly close?: (fd: number) => void;
}

export function watchTerminal(
  streams: TerminalStreams = {
    input: process.stdin,
    outputs: [process.stdout, process.stderr],
    close: closeSync,
  },
): TerminalWatch {
  let lost = false;
  let markLost = (): void => undefined;
  const gone = new Promise<void>((resolve) => {
    markLost = () => {
      lost = true;
      resolve();
    };
  });
  const ttys = [streams.input, ...streams.outputs].filter((s) => s.isTTY === true);
  // A failing terminal stream is a lost terminal, never an uncaught error (kept to the exit).
  for (const stream of ttys) stream.on('error', markLost);
  // A terminal's input ends only when it hangs up.
  if (streams.input.isTTY === true) streams.input.on('end', markLost);
  return {
    lost: gone,
    isLost: () => lost,
    forget: () => {
      if (!lost) return;
      for (const stream of ttys) {
        const fd = stream.fd;
        if (fd === undefined) continue;
        try {
          streams.close?.(fd);
        } catch {
          // Closed already.
        }
      }
    },
  };
}
