import { z } from 'zod';
import { idDocumentTypes, MAX_ID_NUMBER_INPUT } from '../../machines/form/idDocument.js';
import { recordableText } from '../../machines/tellerApproval.js';
import { maxTellerNameLength } from './names.js';
import { maxPasswordBytes } from './passwordPolicy.js';

// The teller API's request bodies (server.ts), checked before anything acts on them: strict
// objects (an unknown field, `__proto__` among them, is refused, not ignored), every string
// bounded, reasons printable as the approval machine and the audit log take them
// (machines/tellerApproval.ts recordableText). A teller's name in a decision is never read from
// a body: it is the session's.

/** Longest reason, as the approval machine takes it. */
export const maxReasonLength = 500;

/** A reason: printable, bounded, NFC (one spelling of a Hangul reason in the audit log). */
const reason = z
  .string()
  .max(maxReasonLength)
  .refine((text) => recordableText(text, maxReasonLength), 'printable text, not only spaces')
  .transform((text) => text.normalize('NFC'));

export const loginSchema = z
  .object({
    // Bounded loosely here; names.ts decides what a name is (a 400 tells nothing of accounts).
    name: z.string().max(maxTellerNameLength * 4),
    password: z.string().min(1).max(maxPasswordBytes),
  })
  .strict();

export const approveSchema = z
  .object({
    overrideReason: reason.optional(),
    inPerson: z
      .object({
        type: z.enum(idDocumentTypes),
        number: z.string().min(1).max(MAX_ID_NUMBER_INPUT),
        issueDate: z
          .string()
          .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'YYYY-MM-DD')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const rejectSchema = z.object({ reason }).strict();

/** fee-paid and logout take no fields (an empty body is read as `{}`). */
export const emptySchema = z.object({}).strict();

/**
 * A refusal's text: at most four issues, each with its field's path. zod names an unknown key in
 * its message: that is the client's text, so it is not repeated.
 */
export function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((issue) =>
      issue.code === 'unrecognized_keys'
        ? 'unknown field'
        : `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`,
    )
    .join('; ');
}
