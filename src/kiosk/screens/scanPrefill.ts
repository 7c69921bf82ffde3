import type { ScanEvent } from '../../../drivers/hid/contract.js';
import type { Words } from '../../../machines/types.js';
import type { ScreenModel } from '../../../ui/contract.js';
import { ApplicationCodeError, parseApplicationCode } from '../../text/applicationCode.js';
import { formFieldProblems } from './keyEvents.js';
import type { ScreenLocal } from './parts.js';

// The QR scanner on the form step (issue 15 item 5): an application code the visitor made on
// their phone fills the form's fields that are not secret, in the screen driver's local state
// only; the visitor checks them, types the resident number and submits the form as usual.

/** The field a refused scan is reported under: the first, which a code would have filled. */
const reportedUnder = 'name';

/**
 * The form's local state after `event` on the form `model`: the name and phone filled from the
 * code (checked as if typed) and the cursor on the resident number; a refused code or scan as a
 * problem line under the name, in the error's own visitor words. Undefined: nothing to change
 * (the scanner is gone; the keyboard goes on). The scanned bytes are zeroed once read.
 */
export function scannedForm(
  event: ScanEvent,
  model: ScreenModel,
  local: ScreenLocal,
): ScreenLocal | undefined {
  if (event.type === 'error') return undefined;
  if (event.type === 'refused') return refused(local, event.error.visitor);
  let code;
  try {
    code = parseApplicationCode(event.data);
  } catch (error) {
    if (error instanceof ApplicationCodeError) return refused(local, error.visitor);
    throw error;
  } finally {
    // A hostile code may carry a resident number (refused, but its bytes are still here).
    event.data.fill(0);
  }
  // The code's institution and type were for the choosing step, done before this one: the
  // visitor's choice there stands.
  const typed = { ...local.typed, name: code.name, phone: code.phone };
  const idn = model.fields?.items.findIndex((f) => f.id === 'idn') ?? -1;
  return {
    ...local,
    typed,
    problems: {
      ...local.problems,
      name: formFieldProblems('name', code.name),
      phone: formFieldProblems('phone', code.phone),
    },
    ...(idn < 0 ? {} : { focus: idn }),
  };
}

function refused(local: ScreenLocal, words: Words): ScreenLocal {
  return { ...local, problems: { ...local.problems, [reportedUnder]: [words] } };
}
