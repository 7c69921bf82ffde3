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

/** One result line: ours, theirs, and ours/theirs (below 1: ours is faster). */
export function report(what, oursMs, theirsMs, theirs) {
  const ratio = oursMs / theirsMs;
  console.log(
    `${what}: kiosk ${oursMs.toFixed(2)} ms, ${theirs} ${theirsMs.toFixed(2)} ms, ratio ${ratio.toFixed(2)}`,
  );
}
