import type { KeyObject } from 'node:crypto';
import type { AuditFault } from '../errors/audit.js';
import { AuditUnavailableError } from '../errors/audit.js';
import type { AuditStore, StoredRow } from './auditStore.js';
import { signatureHolds, type Checkpoint } from './checkpoint.js';
import { checkpointLines } from './checkpointFile.js';
import { entryHash, genesisHash } from './entryHash.js';
import { keyIdOf } from './kioskKey.js';
import { decodePayload } from './payloads.js';

// `kiosk audit verify` (issue 14 item 2): walks the chain from entry 1 and checks each signed
// checkpoint against the kiosk's public key and against the log. The first bad entry is named
// with why; a checkpoint alone at fault (another key, a bad signature, a line that is not one) is
// named by file and line.

export interface VerifyOptions {
  readonly store: AuditStore;
  /** Checkpoint files to check the log against (the one beside it, copies from elsewhere). */
  readonly checkpointFiles: readonly string[];
  /** The kiosk's public key: checkpoints signed by any other are faults. */
  readonly publicKey: KeyObject;
}

/** A checkpoint that verified, and where it was found. */
interface Anchor {
  readonly checkpoint: Checkpoint;
  readonly where: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** Rows read (bad ones included). */
  readonly entries: number;
  /** The last row's sequence number and stored hash. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  /** The id of the key checkpoints must be signed with. */
  readonly keyId: string;
  readonly checkpoints: {
    readonly files: readonly string[];
    /** Checkpoints whose signature verified under the kiosk's key. */
    readonly valid: number;
    /** The one with the highest sequence number. */
    readonly newest: { readonly seq: number; readonly at: string; readonly where: string } | null;
  };
  /** Entry findings by sequence number, then checkpoint findings; empty when ok. */
  readonly faults: readonly AuditFault[];
}

/** Verifies the log; throws AuditUnavailableError only when a checkpoint file cannot be read. */
export function verifyAuditLog(options: VerifyOptions): VerifyReport {
  const keyId = keyIdOf(options.publicKey);
  const { anchors, faults: checkpointFaults } = readAnchors(options, keyId);
  const bySeq = new Map<number, Anchor[]>();
  for (const anchor of anchors) {
    const list = bySeq.get(anchor.checkpoint.seq) ?? [];
    list.push(anchor);
    bySeq.set(anchor.checkpoint.seq, list);
  }
  const headFaults: AuditFault[] = [];
  const chain = walkChain(options.store, (seq, hash) => {
    // Whether the log holds, at a checkpoint's sequence number, the entry it signed.
    for (const anchor of bySeq.get(seq) ?? [])
      if (anchor.checkpoint.head !== hash)
        headFaults.push({
          problem: 'checkpointHead',
          seq,
          checkpoint: anchor.where,
          detail: `is not the entry the checkpoint signed at ${anchor.checkpoint.at} (${anchor.where}) records`,
        });
  });
  // The chain's own finding first: at the same entry, "its hash does not match" says more.
  const entryFaults = chain.fault === undefined ? headFaults : [chain.fault, ...headFaults];
  const lastSeq = chain.head?.seq ?? 0;
  for (const anchor of bySeq.get(0) ?? [])
    if (anchor.checkpoint.head !== genesisHash)
      checkpointFaults.push({
        problem: 'checkpointSignature',
        checkpoint: anchor.where,
        detail: 'records an empty log with a head that is not the genesis hash',
      });
  const newest = anchors.reduce<Anchor | undefined>(
    (best, a) => (best === undefined || a.checkpoint.seq > best.checkpoint.seq ? a : best),
    undefined,
  );
  if (newest !== undefined && newest.checkpoint.seq > lastSeq)
    entryFaults.push({
      problem: 'truncated',
      seq: lastSeq + 1,
      checkpoint: newest.where,
      detail:
        `missing: the log ends at entry ${lastSeq} but the checkpoint signed at ` +
        `${newest.checkpoint.at} (${newest.where}) records entry ${newest.checkpoint.seq}: ` +
        `entries after ${lastSeq} are missing`,
    });
  if (newest === undefined && lastSeq > 0)
    checkpointFaults.push({
      problem: 'noCheckpoint',
      detail: `no checkpoint signed by the kiosk's key in ${options.checkpointFiles.join(', ') || '(no file)'}: a cut tail cannot be ruled out`,
    });
  entryFaults.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const faults = [...entryFaults, ...checkpointFaults];
  return {
    ok: faults.length === 0,
    entries: chain.count,
    head: chain.head ?? null,
    keyId,
    checkpoints: {
      files: options.checkpointFiles,
      valid: anchors.length,
      newest:
        newest === undefined
          ? null
          : { seq: newest.checkpoint.seq, at: newest.checkpoint.at, where: newest.where },
    },
    faults,
  };
}

/** The checkpoints signed by the kiosk's key, and a fault for every line that is not one. */
function readAnchors(
  options: VerifyOptions,
  keyId: string,
): { anchors: Anchor[]; faults: AuditFault[] } {
  const anchors: Anchor[] = [];
  const faults: AuditFault[] = [];
  for (const file of options.checkpointFiles) {
    try {
      for (const { line, checkpoint } of checkpointLines(file)) {
        const where = `${file}:${line}`;
        if (checkpoint === undefined)
          faults.push({
            problem: 'checkpointMalformed',
            checkpoint: where,
            detail: 'not a checkpoint',
          });
        else if (checkpoint.keyId !== keyId)
          faults.push({
            problem: 'checkpointKey',
            checkpoint: where,
            detail: `signed by another key (key id ${checkpoint.keyId}, the kiosk's is ${keyId})`,
          });
        else if (!signatureHolds(checkpoint, options.publicKey))
          faults.push({
            problem: 'checkpointSignature',
            checkpoint: where,
            detail: `its signature does not verify under the kiosk's key (entry ${checkpoint.seq})`,
          });
        else anchors.push({ checkpoint, where });
      }
    } catch (cause) {
      throw new AuditUnavailableError(file, 'cannot read the checkpoints', { cause });
    }
  }
  return { anchors, faults };
}

interface ChainWalk {
  readonly count: number;
  readonly head: { seq: number; hash: string } | undefined;
  /** The first fault of the chain itself. */
  readonly fault: AuditFault | undefined;
}

/**
 * Walks the rows in order, calling `visit` with each row's sequence number and stored hash (the
 * checkpoints are compared with those), and returns the first fault of the chain.
 */
function walkChain(store: AuditStore, visit: (seq: number, hash: string) => void): ChainWalk {
  let count = 0;
  let previous: { seq: number; hash: string } | undefined;
  let fault: AuditFault | undefined;
  try {
    for (const row of store.rows()) {
      count++;
      const seq = row.seq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
        fault ??= {
          problem: 'column',
          seq: (previous?.seq ?? 0) + 1,
          detail: 'the entry after it has no valid sequence number',
        };
        continue;
      }
      const found = checkRow(row, seq, previous);
      fault ??= found;
      const hash = typeof row.hash === 'string' ? row.hash : String(row.hash);
      visit(seq, hash);
      previous = { seq, hash };
    }
  } catch (cause) {
    const seq = (previous?.seq ?? 0) + 1;
    const why = cause instanceof Error ? cause.message : String(cause);
    fault ??= { problem: 'damaged', seq, detail: `the file cannot be read from here on (${why})` };
  }
  return { count, head: previous, fault };
}

/** The first thing wrong with one row, given the row before it; undefined if nothing is. */
function checkRow(
  row: StoredRow,
  seq: number,
  previous: { seq: number; hash: string } | undefined,
): AuditFault | undefined {
  const expected = (previous?.seq ?? 0) + 1;
  if (seq !== expected) {
    const missing =
      expected === seq - 1 ? `entry ${expected} is` : `entries ${expected} to ${seq - 1} are`;
    const detail =
      previous === undefined
        ? `the log starts here: ${missing} missing`
        : `follows entry ${previous.seq}: ${missing} missing`;
    return { problem: 'gap', seq, detail };
  }
  const prevHash = previous?.hash ?? genesisHash;
  if (row.prev !== prevHash)
    return {
      problem: 'prev',
      seq,
      detail:
        previous === undefined
          ? 'its previous hash is not the genesis hash'
          : `its previous hash is not entry ${previous.seq}'s hash`,
    };
  const { at, visit, kind, payload, hash } = row;
  if (
    typeof at !== 'string' ||
    typeof kind !== 'string' ||
    typeof payload !== 'string' ||
    typeof hash !== 'string' ||
    (visit !== null && typeof visit !== 'string')
  )
    return { problem: 'column', seq, detail: 'a column holds a value of the wrong type' };
  if (entryHash({ seq, at, visit, kind, payload, prev: prevHash }) !== hash)
    return { problem: 'hash', seq, detail: 'its hash does not match its contents' };
  // The hash holds, so the row is as the kiosk wrote it; these catch a writer's bug or a forger
  // who recomputed hashes (the checkpoints catch the latter too).
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at))
    return { problem: 'column', seq, detail: 'its time is not an ISO 8601 UTC instant' };
  if (visit !== null && !/^[A-Za-z0-9-]{1,64}$/.test(visit))
    return { problem: 'column', seq, detail: 'its visit id is not one the kiosk makes' };
  try {
    decodePayload(kind, payload);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { problem: 'payload', seq, detail: `bad payload: ${why}` };
  }
  return undefined;
}
