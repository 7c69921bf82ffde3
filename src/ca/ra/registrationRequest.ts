// The RA endpoint's request, `POST /ra/register` (DESIGN §5 "RA over the network"), checked field
// by field as the local `kiosk ca register` checks its flags: the same name rule, the same
// resident-number check, the same profiles. The body is outside bytes: every check is bounded, an
// unknown key (`__proto__`, `constructor` among them) is refused rather than skipped, and no error
// repeats a value the client sent (an IDN must not come back in a message or a log line).
import { checkResidentNumber } from '../../../machines/form/residentNumber.js';
import { evidenceKinds, type Evidence, type Profile } from '../db/registrations.js';
import { holderName, holderNameRule, labelName, labelNameRule } from './names.js';

/** What the kiosk sends: the visitor, the teller who approved, and on what evidence. */
export interface RaRegistrationRequest {
  /** The holder's name as on the ID document. */
  readonly name: string;
  /** The resident registration number, 13 digits with or without the dash. */
  readonly idn: string;
  readonly profile: Profile;
  /** The approving teller. */
  readonly approvedBy: string;
  readonly evidence: Evidence;
  /** `required` (the default): the certificate carries the VID, so the client must send R. */
  readonly vid?: 'required' | 'optional';
}

/** A request that passed every check, normalised (NFC names, the IDN's 13 digits). */
export interface CheckedRegistration {
  readonly name: string;
  readonly idn: string;
  readonly profile: Profile;
  readonly approvedBy: string;
  readonly evidence: Evidence;
  readonly vidRequired: boolean;
}

export type CheckedRequest =
  | { readonly ok: true; readonly registration: CheckedRegistration }
  | { readonly ok: false; readonly error: string };

const fields = ['name', 'idn', 'profile', 'approvedBy', 'evidence', 'vid'] as const;

/** Longest IDN text looked at: 13 digits, a dash and some surrounding blanks. */
const maxIdnLength = 32;

/**
 * Checks a parsed JSON body. `now` dates the resident number's birth-date check (not in the
 * future, KST). The error names the field and what it must be, never what it was.
 */
export function checkRegistrationRequest(body: unknown, now: Date): CheckedRequest {
  const refuse = (error: string): CheckedRequest => ({ ok: false, error });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return refuse('the body must be a JSON object');
  // Own keys only (JSON.parse makes `__proto__` an own key, never the prototype): any other than
  // the request's fields is refused.
  const keys = Object.keys(body);
  if (keys.some((k) => !(fields as readonly string[]).includes(k)))
    return refuse(`unknown field; the fields are ${fields.join(', ')}`);
  const get = (key: (typeof fields)[number]): unknown =>
    Object.prototype.hasOwnProperty.call(body, key)
      ? (body as Record<string, unknown>)[key]
      : undefined;

  const rawName = get('name');
  const name = typeof rawName === 'string' ? holderName(rawName) : undefined;
  if (name === undefined) return refuse(`name must be ${holderNameRule}`);

  const rawIdn = get('idn');
  if (typeof rawIdn !== 'string' || rawIdn.length > maxIdnLength)
    return refuse('idn must be a 13-digit resident registration number');
  const check = checkResidentNumber(rawIdn, now);
  if (check.digits === undefined || !check.ok)
    return refuse('idn is not a valid 13-digit resident registration number');

  const profile = get('profile');
  if (profile !== 'restricted' && profile !== 'general')
    return refuse('profile must be restricted or general');

  const rawTeller = get('approvedBy');
  const approvedBy = typeof rawTeller === 'string' ? labelName(rawTeller) : undefined;
  if (approvedBy === undefined) return refuse(`approvedBy must be ${labelNameRule}`);

  const evidence = get('evidence');
  if (!isEvidence(evidence)) return refuse(`evidence must be one of ${evidenceKinds.join(', ')}`);

  const vid = get('vid') ?? 'required';
  if (vid !== 'required' && vid !== 'optional') return refuse('vid must be required or optional');

  return {
    ok: true,
    registration: {
      name,
      idn: check.digits,
      profile,
      approvedBy,
      evidence,
      vidRequired: vid === 'required',
    },
  };
}

function isEvidence(value: unknown): value is Evidence {
  return typeof value === 'string' && (evidenceKinds as readonly string[]).includes(value);
}
