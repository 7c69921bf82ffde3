import { z } from 'zod';
import type { Purpose } from '../../machines/visit.js';
import { screenSafe } from '../text/screenSafe.js';
import type { ApprovalBasis, DecisionRefusal, PhotoType } from './desk.js';

// The teller API's answers as the console's client reads them (issue 15 item 3): every field
// checked, every array and string bounded, unknown fields dropped, and every string that may be
// drawn made safe for a terminal here, once (src/text/screenSafe.ts: NFC, no escapes, no bidi or
// invisible characters, no ambiguous-width symbols). A chip's name is the chip's: whatever bytes
// the document holds reach the teller's screen only through this file.

/** Text for the screen: bounded before it is looked at, then made inert. */
const shown = (max: number) => z.string().max(max).transform(screenSafe);

const words = z.object({ ko: shown(2000), en: shown(2000) });
export type ShownWords = z.infer<typeof words>;

/** A visit's id as the API's path takes it (server.ts visitPath): never sanitised, only checked. */
export const visitIdPattern = /^[A-Za-z0-9-]{1,64}$/;
const visitId = z.string().regex(visitIdPattern);

const purposes = [
  'issue',
  'reissue',
  'revoke',
  'renew',
  'copy',
  'view',
] as const satisfies readonly Purpose[];
const bases = [
  'chipVerified',
  'chipNotVerified',
  'noChip',
] as const satisfies readonly ApprovalBasis[];
const photoTypes = ['image/jpeg', 'image/jp2'] as const satisfies readonly PhotoType[];
const refusals = [
  'alreadyDecided',
  'visitGone',
  'notWaiting',
  'needsOverrideReason',
  'needsDocument',
  'invalid',
] as const satisfies readonly DecisionRefusal[];

const mismatch = words.extend({ field: shown(32) });

const chipSummary = z.object({
  verified: z.boolean(),
  failures: z.array(shown(500)).max(32),
  mismatches: z.array(mismatch).max(16),
});

export const loginAnswer = z.object({
  token: z.string().regex(/^[A-Za-z0-9._~+/-]{16,256}=*$/),
  teller: shown(256),
  expires: z.string().max(40),
  idleExpires: z.string().max(40),
  idleMs: z.number().int().min(0).max(86_400_000),
});
export type LoginAnswer = z.infer<typeof loginAnswer>;

export const queueEntry = z.object({
  visitId,
  since: shown(40),
  purpose: z.enum(purposes),
  waitingFor: z.enum(['approval', 'fee']),
  name: shown(200),
  idnMasked: shown(32),
  basis: z.enum(bases),
  chip: chipSummary.optional(),
});
export type QueueItem = z.infer<typeof queueEntry>;

/** A queue longer than this is not a branch's: refused as malformed. */
export const maxQueueLength = 200;
export const queueAnswer = z.object({ visits: z.array(queueEntry).max(maxQueueLength) });

const verdict = words.extend({ outcome: z.enum(['passed', 'failed', 'notRun']) });

const chipData = chipSummary.extend({
  surname: shown(200),
  givenNames: shown(200),
  birthDate: shown(16),
  documentNumber: shown(32),
  nameNeedsTeller: z.boolean(),
  fullName: shown(400).optional(),
  nationality: shown(8).optional(),
  expiryDate: shown(16).optional(),
  photo: z
    .object({
      type: z.enum(photoTypes),
      width: z.number().int().min(0).max(100_000),
      height: z.number().int().min(0).max(100_000),
    })
    .optional(),
  passiveAuthentication: verdict,
  activeAuthentication: verdict,
});

export const visitAnswer = queueEntry.extend({
  institution: words.optional(),
  certificateType: words.optional(),
  feeWon: z.number().int().min(0).max(100_000_000),
  form: z.object({
    name: shown(200),
    idnMasked: shown(32),
    birthDate: shown(16),
    phone: shown(32),
    documentNumber: shown(32).optional(),
  }),
  chipData: chipData.optional(),
  basisText: words,
  needs: z.object({ overrideReason: z.boolean(), document: z.boolean() }),
});
export type VisitDetail = z.infer<typeof visitAnswer>;

export const decidedAnswer = z.object({
  visitId,
  decided: z.enum(['approve', 'reject', 'feePaid']),
  teller: shown(256),
  override: z.boolean(),
  evidence: z.enum(['chipVerified', 'chipNotVerifiedOverride', 'inPersonOnly']).optional(),
  inPerson: z
    .object({
      type: z.enum(['residentCard', 'driverLicence', 'passport']),
      numberMasked: shown(64),
    })
    .optional(),
});

export const refusedAnswer = z.object({
  error: shown(1000).optional(),
  refusal: z.enum(refusals).optional(),
  message: words.optional(),
  problem: words.optional(),
  retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
});

/**
 * What a decision came to: taken (with what the approval rests on), or refused with the desk's
 * reason in words. `badRequest`: the API would not read the request (a reason it will not
 * record, say); `message` says why in the API's words.
 */
export type DecisionOutcome =
  | ({ readonly accepted: true } & z.infer<typeof decidedAnswer>)
  | {
      readonly accepted: false;
      readonly refusal: DecisionRefusal | 'badRequest';
      readonly message: ShownWords;
      readonly problem?: ShownWords;
    };
