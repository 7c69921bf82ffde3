import { performance } from 'node:perf_hooks';

/** Median wall time in milliseconds of `runs` calls of fn (after one warm-up call). */
export async function medianMs(fn, runs) {
  await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Median wall times in milliseconds of each of `fns`, called in turn `runs` times each (after one
 * warm-up round): what else the machine is doing then weighs on every contender alike.
 */
export async function interleavedMedianMs(fns, runs) {
  for (const fn of fns) await fn();
  const times = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      times[k].push(performance.now() - start);
    }
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}

/** One result line: ours, theirs, and ours/theirs (below 1: ours is faster). */
export function report(what, oursMs, theirsMs, theirs) {
  const ratio = oursMs / theirsMs;
  console.log(
    `${what}: kiosk ${oursMs.toFixed(2)} ms, ${theirs} ${theirsMs.toFixed(2)} ms, ratio ${ratio.toFixed(2)}`,
  );
}
