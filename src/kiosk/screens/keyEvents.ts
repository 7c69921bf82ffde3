import {
  accountProblemMessage,
  checkAccountNumber,
  checkName,
  checkPhone,
  nameProblemMessage,
  phoneProblemMessage,
} from '../../../machines/form/fields.js';
import type { Words } from '../../../machines/types.js';
import type { ScreenModel } from '../../../ui/contract.js';
import type { KioskView } from '../run/kiosk.js';
import { driveNeedsFormat } from './mediaItems.js';

// What the screen driver (driver.ts) sends for a pick, and the form's problems as typed.

/** A form field's problems as the visitor types it; the resident number is checked on submit. */
export function formFieldProblems(id: string, typed: string): Words[] {
  if (typed === '') return [];
  if (id === 'name') return checkName(typed).problems.map(nameProblemMessage);
  if (id === 'phone') return checkPhone(typed).problems.map(phoneProblemMessage);
  if (id === 'account') return checkAccountNumber(typed).problems.map(accountProblemMessage);
  return [];
}

/**
 * The visit's event for an item picked on `screen` (the ids screenModel gave the items); `view` is
 * the kiosk's, whose drive watcher says whether a drive needs formatting.
 */
export function pickEvent(
  screen: ScreenModel['screen'],
  id: string,
  view: KioskView,
): object | undefined {
  const split = (separator: string): [string, string] => {
    const at = id.indexOf(separator);
    return at < 0 ? [id, ''] : [id.slice(0, at), id.slice(at + 1)];
  };
  switch (screen) {
    case 'home':
      return { type: 'visitor.start', purpose: id };
    case 'choosing': {
      const [institution, certificateType] = split('/');
      return { type: 'visitor.select', institution, certificateType };
    }
    case 'idChoice':
      return { type: id === 'chip' ? 'visitor.chip' : 'visitor.noChip' };
    case 'storage': {
      const [kind, name] = split(':');
      // A drive that is not FAT goes to the visit's format confirmation, which erases nothing
      // until the visitor confirms.
      return kind === 'token'
        ? { type: 'visitor.chooseToken', label: name }
        : { type: 'visitor.chooseDrive', device: name, needsFormat: driveNeedsFormat(view, name) };
    }
    case 'revocation': {
      const [serial, reason] = split('/');
      return { type: 'visitor.pickRevocation', serial, reason };
    }
    case 'heldList':
      return { type: 'visitor.pick', serial: id };
    default:
      return undefined;
  }
}
