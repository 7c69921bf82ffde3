import { TokenRemovedError } from './errors.js';

/**
 * When a PKCS#11 module should be re-initialised (C_Finalize + C_Initialize, DESIGN §3.3): after a
 * removal-type error (CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID …,
 * mapped to TokenRemovedError), because some modules see a reinserted token only at C_Initialize;
 * never after a PIN error (re-initialising does not reset a PIN counter, and must not look as if
 * it did); and at most once per `minIntervalMs`, so a token that keeps failing cannot make the
 * kiosk thrash the module.
 */
export class RecoveryGate {
  private stale = false;
  private lastAt = -Infinity;

  constructor(
    private readonly minIntervalMs = 2000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records an error a module call ended with. */
  noteError(error: unknown): void {
    if (error instanceof TokenRemovedError) this.stale = true;
  }

  /** A re-initialisation failed: ask again (still rate limited). */
  rearm(): void {
    this.stale = true;
  }

  /** Whether to re-initialise now; if so, the caller does it and the gate counts it as done. */
  shouldReinitialise(): boolean {
    if (!this.stale) return false;
    const now = this.now();
    if (now - this.lastAt < this.minIntervalMs) return false;
    this.stale = false;
    this.lastAt = now;
    return true;
  }
}
