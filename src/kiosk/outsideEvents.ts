import { z } from 'zod';
import { revocationReasons } from '../../machines/types.js';

/**
 * The events a screen, a teller or a device may send a visit (src/kiosk/service.ts), checked
 * here before the machine sees them: an allow-list (never xstate's own `xstate.*` events, which
 * would let a caller play an effect's result, such as an approved identity), every field typed
 * and bounded, teller names and reasons free of control and format characters (they go to the RA
 * and the audit log). A teller's decision is stamped with the kiosk's clock by the service.
 */

/** No control, format, line or paragraph separator characters (Unicode Cc, Cf, Zl, Zp). */
const printable = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.trim() !== '' && !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(s), 'printable text');

const id = z.string().max(64);
const teller = printable(64);
const reason = printable(500);

/** What a teller's client says the time was: ignored, the kiosk's clock stamps the decision. */
const claimedAt = z.string().max(64).optional();

const bare = (type: string) => z.object({ type: z.literal(type) }).strict();

export const outsideEventSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('visitor.start'),
      purpose: z.enum(['issue', 'reissue', 'revoke', 'renew', 'copy', 'view']),
    })
    .strict(),
  z.object({ type: z.literal('visitor.select'), institution: id, certificateType: id }).strict(),
  z
    .object({
      type: z.literal('visitor.pickRevocation'),
      serial: z.string().regex(/^[0-9a-f]{1,64}$/),
      reason: z.enum(revocationReasons),
    })
    .strict(),
  bare('visitor.retry'),
  bare('visitor.active'),
  bare('visitor.back'),
  bare('visitor.finish'),
  bare('visitor.chip'),
  bare('visitor.noChip'),
  bare('visitor.confirmFormat'),
  bare('visit.cancel'),
  bare('device.mediumBack'),
  z
    .object({
      type: z.literal('visitor.mrz'),
      entry: z
        .object({
          documentNumber: z.string().max(20),
          birthDate: z.string().max(6),
          expiryDate: z.string().max(6),
        })
        .strict(),
    })
    .strict(),
  z.object({ type: z.literal('visitor.chooseToken'), label: z.string().min(1).max(32) }).strict(),
  z
    .object({
      type: z.literal('visitor.chooseDrive'),
      device: z.string().min(1).max(256),
      needsFormat: z.boolean(),
    })
    .strict(),
  z.object({ type: z.literal('visitor.pick'), serial: z.string().max(64) }).strict(),
  z
    .object({ type: z.literal('device.cardInserted'), reader: z.string().max(256) })
    .partial({ reader: true })
    .strict(),
  z
    .object({
      type: z.literal('teller.approve'),
      teller,
      at: claimedAt,
      overrideReason: reason.optional(),
    })
    .strict(),
  z.object({ type: z.literal('teller.reject'), teller, at: claimedAt, reason }).strict(),
  z.object({ type: z.literal('teller.feePaid'), teller, at: claimedAt }).strict(),
]);

export type CheckedOutsideEvent = z.infer<typeof outsideEventSchema>;
