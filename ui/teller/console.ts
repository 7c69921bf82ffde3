import blessed from 'blessed';
import { viewSurface, type TerminalOptions } from '../blessed/terminal.js';
import type { ConsoleDecision, Failure, TellerPort, Words } from './port.js';
import { LoginKeys } from './loginKeys.js';
import { VisitKeys, type VisitActions } from './visitKeys.js';
import {
  layoutSize,
  photoBox,
  render,
  type ConsoleState,
  type ConsoleView,
  type Notice,
} from './views.js';
import { text } from './words.js';

/**
 * The teller console on blessed (issue 15 item 3): log in, the queue, one visit with the chip
 * beside the form and the photo, decisions. It holds only what is on screen and being typed; the
 * kiosk owns the visits (through the port). The password and an ID number are typed into
 * SecretInputs, never into a string; every other text comes display-safe from the port and is
 * escaped for blessed's tags by views.ts.
 */

export interface TellerConsoleOptions extends TerminalOptions {
  readonly port: TellerPort;
  /** A name to start the login with (`--name`). */
  readonly name?: string;
  readonly lang?: 'ko' | 'en';
  /** How often the queue is fetched again while shown; 0: only on G. Default 5 s. */
  readonly refreshMs?: number;
}

export interface TellerConsole {
  readonly screen: blessed.Widgets.Screen;
  /** Resolves when the teller quits (or close() is called). */
  readonly closed: Promise<void>;
  /** The work started by the keys so far has settled (tests). */
  settled(): Promise<void>;
  /** What is shown (tests). */
  state(): ConsoleState;
  close(): Promise<void>;
}

type Key = { name?: string; full?: string; ctrl?: boolean };

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const control = /^[\u0000-\u001f\u007f]$/;

export function openTellerConsole(options: TellerConsoleOptions): TellerConsole {
  const { port } = options;
  const surface = viewSurface(options);
  const { screen } = surface;
  const full = { top: 0, left: 0, width: '100%', height: '100%' } as const;
  const main = blessed.box({ parent: surface.parent, ...full, tags: true });
  const photo = blessed.box({
    parent: surface.parent,
    top: 2,
    left: 0,
    width: 1,
    height: 1,
    tags: true,
  });
  photo.hide();

  const loginKeys = new LoginKeys();
  const visitKeys = new VisitKeys();
  const loginView = (name: string): ConsoleView => ({
    view: 'login',
    name,
    passwordLength: 0,
    focus: name === '' ? 'name' : 'password',
  });
  let state: ConsoleState = {
    lang: options.lang ?? 'ko',
    screen: loginView(options.name ?? ''),
    busy: false,
  };
  let work: Promise<void> = Promise.resolve();
  let done = false;
  let finish = (): void => undefined;
  const closed = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const size = (): { width: number; height: number } => {
    const { width, height } = surface.size();
    return layoutSize(width, height);
  };
  const draw = (): void => {
    if (done) return;
    const { width, height } = size();
    main.setContent(render(state, width, height).join('\n'));
    if (state.screen.view === 'visit') {
      const box = photoBox(width, height);
      photo.left = box.left;
      photo.top = box.top;
      photo.width = box.width;
      photo.height = box.height;
      photo.show();
    } else photo.hide();
    screen.render();
  };
  /** Shows `view` with `notice` (and no other), not busy. */
  const show = (view: ConsoleView, notice?: Notice): void => {
    const { notice: _dropped, ...rest } = state; // eslint-disable-line @typescript-eslint/no-unused-vars -- dropped on purpose
    state = { ...rest, busy: false, screen: view, ...(notice === undefined ? {} : { notice }) };
    draw();
  };
  const set = (next: Partial<ConsoleState>): void => {
    state = { ...state, ...next };
    draw();
  };
  const problem = (words: Words): Notice => ({ words, tone: 'problem' });
  const toggleLang = (): void => {
    set({ lang: state.lang === 'ko' ? 'en' : 'ko' });
  };
  /** Runs `task` after the previous one, marked busy (keys other than quit wait). */
  const run = (task: () => Promise<void>): void => {
    set({ busy: true });
    work = work
      .then(task)
      .catch((error: unknown) => {
        const said = error instanceof Error ? error.name : 'error';
        set({ notice: problem({ ko: `오류: ${said}`, en: `Error: ${said}` }) });
      })
      .finally(() => {
        if (state.busy) set({ busy: false });
      });
  };
  /** A failure: a session that ended goes back to the login. */
  const failed = (failure: Failure): void => {
    if (failure.kind !== 'sessionEnded') {
      set({ busy: false, notice: problem(failure.message) });
      return;
    }
    const { teller, ...rest } = state;
    state = rest;
    show(loginView(teller ?? ''), problem(failure.message));
  };

  const openQueue = async (notice?: Notice): Promise<void> => {
    const answer = await port.queue();
    if (!answer.ok) {
      failed(answer);
      return;
    }
    const rows = answer.value;
    const was = state.screen;
    const cursor = was.view === 'queue' ? Math.min(was.cursor, Math.max(0, rows.length - 1)) : 0;
    show(
      { view: 'queue', rows, cursor },
      notice ?? (was.view === 'queue' ? state.notice : undefined),
    );
  };
  const openVisit = async (visitId: string, notice?: Notice): Promise<void> => {
    const answer = await port.view(visitId);
    if (!answer.ok) {
      failed(answer);
      return;
    }
    const visit = answer.value;
    if (visit === undefined) return openQueue(notice ?? problem(text.visitGone));
    const same = state.screen.view === 'visit' && state.screen.visit.visitId === visitId;
    if (!same) photo.setContent(`{yellow-fg}${text.photoLoading[state.lang]}{/yellow-fg}`);
    show({ view: 'visit', visit }, notice);
    if (same) return;
    if (!visit.hasPhoto) {
      photo.setContent(`{yellow-fg}${text.noPhoto[state.lang]}{/yellow-fg}`);
      draw();
      return;
    }
    const box = photoBox(size().width, size().height);
    const drawn = await port.photo(visitId, box.width, box.height);
    if (state.screen.view !== 'visit' || state.screen.visit.visitId !== visitId) return;
    photo.setContent(
      drawn.ok
        ? drawn.lines.join('\n')
        : `{yellow-fg}${escapeTags(drawn.message[state.lang])}{/yellow-fg}`,
    );
    draw();
  };
  const decide = (visitId: string, decision: ConsoleDecision): void => {
    run(async () => {
      const answer = await port.decide(visitId, decision).finally(() => {
        if (decision.kind === 'inPerson') decision.number.fill(0);
      });
      if (!answer.ok) {
        failed(answer);
        return;
      }
      const { accepted, message } = answer.value;
      await openVisit(visitId, { words: message, tone: accepted ? 'ok' : 'problem' });
    });
  };
  const login = (view: Extract<ConsoleView, { view: 'login' }>, secret: Buffer): void => {
    set({ screen: view });
    run(async () => {
      try {
        const answer = await port.login(view.name.trim(), secret);
        if (!answer.ok) {
          failed(answer);
          return;
        }
        state = { ...state, teller: answer.value.teller };
        await openQueue();
      } finally {
        secret.fill(0);
      }
    });
  };
  const logout = async (): Promise<void> => {
    await port.logout();
    const { teller, ...rest } = state;
    state = rest;
    show(loginView(teller ?? ''));
  };
  const quit = (): void => {
    run(close);
  };

  const queueKey = (view: Extract<ConsoleView, { view: 'queue' }>, name: string): void => {
    const chosen = view.rows[view.cursor];
    if (name === 'q') quit();
    else if (name === 'l') toggleLang();
    else if (name === 'g') run(() => openQueue());
    else if (name === 'o') run(logout);
    else if (name === 'up' || name === 'down') {
      const step = name === 'up' ? -1 : 1;
      set({
        screen: {
          ...view,
          cursor: Math.max(0, Math.min(view.rows.length - 1, view.cursor + step)),
        },
      });
    } else if (name === 'enter' && chosen !== undefined) run(() => openVisit(chosen.visitId));
  };
  const visitActions = (visit: Extract<ConsoleView, { view: 'visit' }>): VisitActions => ({
    ask: (prompt, notice) => {
      show(
        prompt === undefined
          ? { view: 'visit', visit: visit.visit }
          : { view: 'visit', visit: visit.visit, prompt },
        notice,
      );
    },
    notify: (notice) => {
      set({ notice });
    },
    decide: (decision) => {
      decide(visit.visit.visitId, decision);
    },
    reload: () => {
      run(() => openVisit(visit.visit.visitId));
    },
    back: () => {
      run(() => openQueue());
    },
  });

  const keypress = (ch: string | undefined, key: Key): void => {
    if (done) return;
    const name = key.ctrl === true ? (key.full ?? '') : (key.name ?? key.full ?? '');
    if (name === 'C-c' || name === 'C-q') {
      quit();
      return;
    }
    // blessed reports Return twice (`return`, then `enter`): only `enter` counts.
    if (state.busy || name === 'return') return;
    const typed =
      ch !== undefined && ch !== '' && key.ctrl !== true && !control.test(ch) && name !== 'escape'
        ? ch
        : undefined;
    const view = state.screen;
    if (view.view === 'login') {
      loginKeys.key(view, name, typed, {
        show: (next) => {
          set({ screen: next });
        },
        toggleLang,
        login,
      });
      return;
    }
    if (view.view === 'queue') {
      queueKey(view, name);
      return;
    }
    if (view.prompt === undefined && name === 'q') {
      quit();
      return;
    }
    if (view.prompt === undefined && name === 'l') {
      toggleLang();
      return;
    }
    visitKeys.key(view.visit, view.prompt, name, typed, visitActions(view));
  };

  surface.onKey(keypress);
  screen.on('resize', draw);
  const refreshMs = options.refreshMs ?? 5000;
  const refresh =
    refreshMs > 0
      ? setInterval(() => {
          if (!state.busy && state.screen.view === 'queue') run(() => openQueue());
        }, refreshMs)
      : undefined;
  refresh?.unref();

  async function close(): Promise<void> {
    if (done) return;
    if (refresh !== undefined) clearInterval(refresh);
    loginKeys.wipe();
    visitKeys.wipe();
    try {
      if (state.teller !== undefined) await port.logout();
    } finally {
      done = true;
      main.destroy();
      photo.destroy();
      screen.off('resize', draw);
      surface.release();
      finish();
    }
  }
  draw();
  return {
    screen,
    closed,
    settled: async () => {
      let seen: Promise<void> | undefined;
      while (seen !== work) {
        seen = work;
        await work;
      }
    },
    state: () => state,
    close,
  };
}

function escapeTags(value: string): string {
  return value.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}
