import {
  createActor,
  fromPromise,
  SimulatedClock,
  type AnyEventObject,
  type AnyStateMachine,
  type AnyStateNode,
  type SnapshotFrom,
} from 'xstate';
import { getShortestPaths, type StatePath } from 'xstate/graph';
import { expect } from 'vitest';

// Path tests for the statecharts (issue 13 acceptance): xstate/graph walks a machine with the
// events each state can take; every state must be reached; then each path is replayed on a live
// actor with a SimulatedClock, its invoked actors replaced by promises the replay settles, its
// delays by the clock, and the live actor must be where the graph said after every step.

/** What the walk may do: events from outside, and the outcomes of each invoked actor. */
export interface PathSamples {
  readonly events: readonly AnyEventObject[];
  /** Invoke id → outputs its done event may carry. */
  readonly done?: Readonly<Record<string, readonly unknown[]>>;
  /** Invoke id → errors its error event may carry. */
  readonly errors?: Readonly<Record<string, readonly unknown[]>>;
  /**
   * Events not to offer in a state: those a state only forwards to a sub-flow, which the walk
   * does not run (the graph's actors are not started, so a forward would fail).
   */
  readonly skip?: (snapshot: Snapshot, event: AnyEventObject) => boolean;
  /**
   * What of the context tells states apart besides their value (e.g. the visit's purpose): the
   * walk keeps one path per value and this.
   */
  readonly distinguish?: (snapshot: Snapshot) => unknown;
}

type Snapshot = SnapshotFrom<AnyStateMachine>;
export type MachinePath = StatePath<Snapshot, AnyEventObject>;

/** The state nodes a snapshot is in (xstate keeps them on the snapshot as `_nodes`). */
function activeNodes(snapshot: Snapshot): AnyStateNode[] {
  return (snapshot as unknown as { _nodes: AnyStateNode[] })._nodes;
}

/** The events each active node can take: the samples, its actors' outcomes, its delays. */
function eventsAt(snapshot: Snapshot, samples: PathSamples): AnyEventObject[] {
  const events: AnyEventObject[] = [...samples.events];
  for (const node of activeNodes(snapshot)) {
    for (const invoke of node.invoke) {
      for (const output of samples.done?.[invoke.id] ?? [undefined])
        events.push({ type: `xstate.done.actor.${invoke.id}`, output });
      for (const error of samples.errors?.[invoke.id] ?? [])
        events.push({ type: `xstate.error.actor.${invoke.id}`, error });
    }
    for (const after of node.after) events.push({ type: String(after.eventType) });
  }
  return events;
}

/** The shortest path to every state the samples can reach. */
export function machinePaths(
  machine: AnyStateMachine,
  samples: PathSamples,
  input?: unknown,
): MachinePath[] {
  const paths = getShortestPaths(machine, {
    ...(input === undefined ? {} : { input }),
    events: (snapshot: Snapshot) => eventsAt(snapshot, samples),
    // A wildcard descriptor ('visitor.*') is offered bare by the graph: not an event anyone sends.
    filterEvents: (snapshot: Snapshot, event: AnyEventObject) =>
      !event.type.includes('*') && samples.skip?.(snapshot, event) !== true,
    serializeState: (snapshot) =>
      JSON.stringify([snapshot.value, samples.distinguish?.(snapshot) ?? null]),
    // The walk would go on past the end (a pure transition ignores that the machine is done).
    stopWhen: (snapshot) => snapshot.status === 'done',
  });
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- AnyStateMachine types its events `any`; they are event objects
  return paths;
}

/** Every atomic and final state of the machine, by id. */
export function leafStates(machine: AnyStateMachine): string[] {
  const leaves: string[] = [];
  const walk = (node: AnyStateNode): void => {
    const children = Object.values(node.states);
    if (children.length === 0) leaves.push(node.id);
    for (const child of children) walk(child);
  };
  walk(machine.root);
  return leaves.sort();
}

/** The leaf states the paths' ends are in. */
export function reachedStates(paths: readonly MachinePath[]): string[] {
  const reached = new Set<string>();
  for (const path of paths)
    for (const node of activeNodes(path.state))
      if (Object.keys(node.states).length === 0) reached.add(node.id);
  return [...reached].sort();
}

/** A path's events in words, for a test's name. */
export function describePath(path: MachinePath): string {
  return path.steps
    .slice(1)
    .map(({ event }) => {
      const { output, error } = event as { output?: unknown; error?: unknown };
      const outcome = (output ?? error) as { outcome?: string; kind?: string } | undefined;
      const what = outcome?.outcome ?? outcome?.kind;
      const type = event.type
        .replace(/^xstate\.(done|error)\.actor\./, '$1:')
        .replace(/^xstate\.after\.([^.]+)\..*/, 'after $1');
      return what === undefined ? type : `${type} (${what})`;
    })
    .join(' → ');
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Replays `path` on a live actor: the invoked actors `promiseActors` become promises settled by the
 * path's done and error events, its delay events advance the clock by the delay, and every other
 * event is sent. After each step the live state must be the graph's.
 */
export async function replayPath(
  machine: AnyStateMachine,
  path: MachinePath,
  options: {
    readonly input?: unknown;
    readonly promiseActors: readonly string[];
    readonly delays: Readonly<Record<string, number>>;
  },
): Promise<Snapshot> {
  const clock = new SimulatedClock();
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: unknown): void }>();
  const actors = Object.fromEntries(
    options.promiseActors.map((id) => [
      id,
      fromPromise(
        () =>
          new Promise((resolve, reject) => {
            pending.set(id, { resolve, reject });
          }),
      ),
    ]),
  );
  const live = createActor(machine.provide({ actors, delays: options.delays }), {
    clock,
    ...(options.input === undefined ? {} : { input: options.input }),
  });
  live.start();
  await settle();
  for (const [i, step] of path.steps.entries()) {
    const event = step.event;
    const settled = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event.type);
    const delayed = /^xstate\.after\.([^.]+)\./.exec(event.type);
    if (i === 0) {
      // The initial state: nothing to do.
    } else if (settled !== null) {
      const [, kind, id = ''] = settled;
      const waiting = pending.get(id);
      if (waiting === undefined) throw new Error(`step ${String(i)}: ${id} is not running`);
      pending.delete(id);
      if (kind === 'done') waiting.resolve((event as { output?: unknown }).output);
      else waiting.reject((event as { error?: unknown }).error);
    } else if (delayed !== null) {
      const ms = options.delays[delayed[1] ?? ''];
      if (ms === undefined) throw new Error(`no delay ${String(delayed[1])} given`);
      clock.increment(ms);
    } else {
      live.send(event);
    }
    await settle();
    expect(live.getSnapshot().value, `after step ${String(i)}: ${event.type}`).toEqual(
      step.state.value,
    );
  }
  const end = live.getSnapshot();
  live.stop();
  return end;
}
