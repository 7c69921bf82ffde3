import { realpathSync } from 'node:fs';
import * as graphene from 'graphene-pk11';
import {
  TokenAmbiguousError,
  TokenFailureError,
  TokenNotFoundError,
  WrongSoPinError,
} from './errors.js';
import { attempt, isPinIncorrect, mapError, mapErrors } from './grapheneErrors.js';
import { GrapheneSession } from './grapheneSession.js';
import { checkPinLength, pinText, tokenInfo } from './grapheneToken.js';
import { RecoveryGate } from './recovery.js';
import type {
  InitTarget,
  TokenDriver,
  TokenInfo,
  TokenSelector,
  TokenSession,
  TokenSetup,
} from './contract.js';

// The graphene driver's module side: loading a PKCS#11 library and initialising it once per
// process, re-initialising it after removal-type errors (RecoveryGate), finding slots by label or
// serial, and initialising tokens. Sessions are grapheneSession.ts, error mapping is
// grapheneErrors.ts, TokenInfo and PIN handling grapheneToken.ts.

/** One loaded library: its users (drivers), open sessions and recovery state. */
interface LoadedModule {
  readonly module: graphene.Module;
  readonly gate: RecoveryGate;
  users: number;
  sessions: number;
}

/**
 * Loaded modules by library path. PKCS#11 allows one C_Initialize per process per library
 * (CKR_CRYPTOKI_ALREADY_INITIALIZED otherwise, DESIGN §3.3), so this one table is process-wide;
 * drivers share an entry and the last one to close finalises it.
 */
const modules = new Map<string, LoadedModule>();

export interface GraphenePkcs11Options {
  /** Least time between two re-initialisations after removal-type errors; 2000 ms if absent. */
  readonly recoveryIntervalMs?: number;
}

/** A TokenDriver over graphene-pk11 for one PKCS#11 library (SoftHSM2 in tests). */
export class GraphenePkcs11Driver implements TokenDriver {
  private readonly loaded: LoadedModule;
  private readonly sessions = new Set<GrapheneSession>();
  private closed = false;

  /** The library's real path: two paths to one library are one module (one C_Initialize). */
  private readonly key: string;

  constructor(modulePath: string, options: GraphenePkcs11Options = {}) {
    this.key = realPath(modulePath);
    const loaded = modules.get(this.key);
    if (loaded !== undefined) {
      loaded.users++;
      this.loaded = loaded;
    } else {
      const module = mapErrors(() => {
        const m = graphene.Module.load(this.key);
        try {
          m.initialize();
        } catch (error) {
          try {
            m.close();
          } catch {
            // unloading a library that failed to initialise: nothing more to release
          }
          throw error;
        }
        return m;
      });
      this.loaded = {
        module,
        gate: new RecoveryGate(options.recoveryIntervalMs),
        users: 1,
        sessions: 0,
      };
      modules.set(this.key, this.loaded);
    }
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.attempt(() => this.presentSlots().map((slot) => tokenInfo(slot.getToken())));
  }

  open(selector: TokenSelector): Promise<TokenSession> {
    return this.attempt(() => {
      const slot = this.findSlot(selector);
      const loaded = this.loaded;
      const session = new GrapheneSession(slot, loaded.gate, () => {
        this.sessions.delete(session);
        loaded.sessions--;
      });
      loaded.sessions++;
      this.sessions.add(session);
      return session;
    });
  }

  initToken(target: InitTarget, setup: TokenSetup): Promise<TokenInfo> {
    return this.attempt(() => {
      const slot =
        'blank' in target
          ? this.presentSlots().find((s) => !tokenInfo(s.getToken()).initialized)
          : this.findSlot(target);
      if (slot === undefined) throw new TokenNotFoundError('that is blank');
      // Lengths first: nothing may be wiped for a PIN the token would then refuse.
      checkPinLength(tokenInfo(slot.getToken()), setup.soPin);
      checkPinLength(tokenInfo(slot.getToken()), setup.userPin);
      try {
        // Slot.initToken of graphene 2.3.6 fails on pkcs11js's void result after C_InitToken
        // has succeeded, so the call goes to pkcs11js itself. The label is padded by pkcs11js.
        slot.lib.C_InitToken(slot.handle, pinText(setup.soPin), setup.label);
      } catch (error) {
        if (isPinIncorrect(error)) throw new WrongSoPinError();
        throw error;
      }
      const session = slot.open(
        graphene.SessionFlag.RW_SESSION | graphene.SessionFlag.SERIAL_SESSION,
      );
      try {
        session.login(pinText(setup.soPin), graphene.UserType.SO);
        session.initPin(pinText(setup.userPin));
        session.logout();
      } catch (cause) {
        const serial = slot.getToken().serialNumber.trim();
        throw new TokenFailureError(
          `token ${setup.label} (serial ${serial}) was wiped but its user PIN could not be set: initialise it again with --serial ${serial} --yes`,
          { cause: mapError(cause) },
        );
      } finally {
        session.close();
      }
      return tokenInfo(slot.getToken());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of [...this.sessions]) await session.close();
    if (--this.loaded.users === 0) {
      modules.delete(this.key);
      try {
        this.loaded.module.finalize();
      } catch {
        // already finalised or the library is gone: nothing left to release
      }
    }
  }

  /**
   * A driver call: re-initialises the module first when a removal-type error asked for it and no
   * session would die of it (RecoveryGate), then maps and notes the call's errors.
   */
  private attempt<T>(call: () => T): Promise<T> {
    return attempt(() => {
      if (this.loaded.sessions === 0 && this.loaded.gate.shouldReinitialise()) {
        try {
          this.loaded.module.finalize();
        } catch {
          // finalising a module in trouble may fail; initialising again is what matters
        }
        try {
          this.loaded.module.initialize();
        } catch (error) {
          // Still not initialised: the next call tries again, once the interval has passed.
          this.loaded.gate.rearm();
          throw error;
        }
      }
      return call();
    }, this.loaded.gate);
  }

  private findSlot(selector: TokenSelector): graphene.Slot {
    const matching = this.presentSlots().filter((s) => {
      const token = s.getToken();
      return 'label' in selector
        ? token.label.trim() === selector.label
        : token.serialNumber.trim() === selector.serial;
    });
    const [slot, ...others] = matching;
    if (slot === undefined) {
      throw new TokenNotFoundError(
        'label' in selector ? `labelled ${selector.label}` : `with serial ${selector.serial}`,
      );
    }
    if (others.length > 0 && 'label' in selector)
      throw new TokenAmbiguousError(
        selector.label,
        matching.map((s) => s.getToken().serialNumber.trim()),
      );
    return slot;
  }

  private presentSlots(): graphene.Slot[] {
    const slots = this.loaded.module.getSlots(true);
    const result: graphene.Slot[] = [];
    for (let i = 0; i < slots.length; i++) result.push(slots.items(i));
    return result;
  }
}

/** The real path of a library, or the path as given when it cannot be resolved (dlopen says). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}
