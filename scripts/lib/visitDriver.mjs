// Waiting on a running kiosk and its visit from a script (the kill test's and the secrets test's
// children, scripts/crash/ and scripts/secrets/): the same waits the TypeScript tests make with
// test/support/kioskWorld.ts, for children that load the build (dist/) and cannot import those.

/** The visit's flow state. */
export const flow = (s) => s.value.flow;

/** The state of a running sub-flow (`identity`, `storage`). */
export const childValue = (s, id) => s.children[id]?.getSnapshot().value;

/** The flow states a visit waits in when an effect failed: a wait for anything else is over. */
const failed = [
  'finished',
  'effectFailed',
  'caUnreachable',
  'mediumRemoved',
  'mediumUnusable',
  'staffNeeded',
];

/** Resolves with the kiosk's first view `ready` accepts (now or later), or rejects at the deadline. */
export function kioskUntil(kiosk, ready, what = 'the kiosk', timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`waiting for ${what}: ${JSON.stringify(kiosk.snapshot().problems)}`));
    }, timeoutMs);
    const look = (view) => {
      if (!ready(view)) return;
      clearTimeout(timer);
      stop();
      resolve(view);
    };
    const stop = kiosk.subscribe(look);
    look(kiosk.snapshot());
  });
}

/**
 * Resolves once `ready` holds for the visit (on each transition and every 25 ms: sub-flows move
 * without the visit's snapshot changing); rejects, saying where it stands, if it ends or fails.
 */
export function reach(visit, what, ready, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      unsubscribe();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const where = (s) =>
      `flow ${JSON.stringify(flow(s))}, failure ${JSON.stringify(s.context.failure ?? null)}, ` +
      ['identity', 'storage']
        .map((id) => `${id} ${JSON.stringify(childValue(s, id) ?? null)}`)
        .join(', ');
    const look = () => {
      const s = visit.snapshot();
      if (ready(s)) finish(s);
      else if (s.status !== 'active' || failed.includes(flow(s)))
        finish(new Error(`waiting for ${what}: ${where(s)}`));
    };
    const poll = setInterval(look, 25);
    const timer = setTimeout(() => {
      finish(new Error(`waiting for ${what}, ${timeoutMs} ms: ${where(visit.snapshot())}`));
    }, timeoutMs);
    const unsubscribe = visit.subscribe(look);
    look();
  });
}
