import { sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { hashPattern, lengthPrefixed, u64 } from './entryHash.js';
import { instant } from './payloads.js';
import type { KioskKey } from './kioskKey.js';

/**
 * A signed checkpoint (DESIGN §6): "the log had `seq` entries, the last with hash `head`, at
 * `at`", signed with the kiosk's Ed25519 key. Kept outside the log, it is what shows a cut tail:
 * a hash chain alone cannot (a shorter chain is still a valid chain). The pattern is a CT signed
 * tree head, or journald's sealing, without the forward security.
 *
 * One JSON object per line: `{"checkpoint":1,"seq","head","at","keyId","sig"}`. The signature
 * (base64) covers
 *
 *   lp("npki-kiosk/audit-checkpoint/v1") ‖ u64be(seq) ‖ head (32 bytes) ‖ lp(at) ‖ lp(keyId)
 *
 * with lp and u64be as in entryHash.ts; the label differs from the entries' so neither can stand
 * for the other. An empty log's checkpoint has seq 0 and the genesis hash as head.
 */
export interface Checkpoint {
  /** The format's version; the marker that a line is a checkpoint (syslog lines are grepped). */
  readonly checkpoint: 1;
  readonly seq: number;
  /** The hash of entry `seq`, lower-case hex. */
  readonly head: string;
  /** When it was made, ISO 8601 UTC. */
  readonly at: string;
  /** The signing key's id (kioskKey.ts keyIdOf). */
  readonly keyId: string;
  /** Ed25519 signature, base64. */
  readonly sig: string;
}

const checkpointLabel = 'npki-kiosk/audit-checkpoint/v1';

const checkpointSchema = z.strictObject({
  checkpoint: z.literal(1),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  head: z.string().regex(hashPattern),
  at: instant,
  keyId: z.string().regex(hashPattern),
  sig: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'an Ed25519 signature in base64'),
});

/** The bytes a checkpoint's signature covers. */
function signedBytes(seq: number, head: string, at: string, keyId: string): Buffer {
  return Buffer.concat([
    lengthPrefixed(checkpointLabel),
    u64(seq),
    Buffer.from(head, 'hex'),
    lengthPrefixed(at),
    lengthPrefixed(keyId),
  ]);
}

/** Signs a checkpoint of the head `seq`/`head` at `at`. */
export function signCheckpoint(key: KioskKey, seq: number, head: string, at: Date): Checkpoint {
  const stamp = at.toISOString();
  const sig = sign(null, signedBytes(seq, head, stamp, key.keyId), key.privateKey);
  return { checkpoint: 1, seq, head, at: stamp, keyId: key.keyId, sig: sig.toString('base64') };
}

/** Whether the checkpoint's signature verifies under `publicKey` (its keyId aside). */
export function signatureHolds(checkpoint: Checkpoint, publicKey: KeyObject): boolean {
  const { seq, head, at, keyId, sig } = checkpoint;
  return verify(null, signedBytes(seq, head, at, keyId), publicKey, Buffer.from(sig, 'base64'));
}

/** One line of a checkpoints file (no line break). */
export function checkpointLine(checkpoint: Checkpoint): string {
  return JSON.stringify(checkpoint);
}

/** Longest line read as a checkpoint (one is about 300 bytes). */
export const maxCheckpointLine = 4096;

/**
 * The checkpoint on a line: the JSON object from the line's first `{`, so that a line as syslog
 * wrote it (`… kiosk-audit[123]: {"checkpoint":1,…}`) reads as well as one from the file.
 * Undefined if it is not one.
 */
export function parseCheckpointLine(line: string): Checkpoint | undefined {
  if (line.length > maxCheckpointLine) return undefined;
  const start = line.indexOf('{');
  if (start < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.slice(start));
  } catch {
    return undefined;
  }
  const parsed = checkpointSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
