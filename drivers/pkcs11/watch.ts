import type {
  TokenDriver,
  TokenEvent,
  TokenInfo,
  TokenWatch,
  TokenWatchOptions,
} from './contract.js';

/**
 * Token presence by polling the slot list (DESIGN §3.3: SoftHSM and many vendor modules do not
 * support C_WaitForSlotEvent). Tokens are told apart by serial and label, never by slot, and only
 * initialised ones count. Polls never overlap; a `poll()` during one waits for it and polls again.
 */
export function watchTokens(
  driver: TokenDriver,
  listener: (event: TokenEvent) => void,
  options: TokenWatchOptions = {},
): TokenWatch {
  let known = new Map<string, TokenInfo>();
  let running: Promise<void> | undefined;
  let stopped = false;

  const once = async (): Promise<void> => {
    let tokens: TokenInfo[];
    try {
      tokens = (await driver.listTokens()).filter((t) => t.initialized);
    } catch (error) {
      options.onError?.(error);
      return;
    }
    if (stopped) return;
    const now = new Map(tokens.map((t) => [`${t.serial}\u0000${t.label}`, t]));
    for (const [key, token] of known) if (!now.has(key)) listener({ type: 'removed', token });
    for (const [key, token] of now) if (!known.has(key)) listener({ type: 'present', token });
    known = now;
  };

  const poll = async (): Promise<void> => {
    while (running !== undefined) await running;
    if (stopped) return;
    running = once().finally(() => {
      running = undefined;
    });
    await running;
  };

  const timer = setInterval(() => void poll(), options.intervalMs ?? 1000);
  timer.unref();
  void poll();
  return {
    poll,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
