import { z } from 'zod';
import type { Institution } from '../../machines/types.js';
import { loadJsonFile, parseJsonText, type JsonFileKind } from '../config/jsonFile.js';
import { InstitutionsError } from '../errors/index.js';

/**
 * The institutions a branch issues for and their certificate types with fees (DESIGN §1 step 1,
 * issue 13 item 4): a JSON data file the operator edits (`kiosk.institutions`), checked at start;
 * an embedded default serves the demo. The fees are the operator's to set: public fee tables
 * change, so none is assumed beyond the demo's (general-purpose personal: 4,400 won).
 */

const words = z.object({ ko: z.string().min(1).max(100), en: z.string().min(1).max(100) }).strict();
const id = z.string().regex(/^[a-z0-9-]{1,32}$/, 'lower-case letters, digits and -, 1 to 32');

const certificateType = z
  .object({
    id,
    name: words,
    /** A certificate policy OID (DESIGN §4.4). */
    policyOid: z.string().regex(/^[0-2](\.(0|[1-9][0-9]{0,8})){1,20}$/, 'a dotted OID'),
    profile: z.enum(['restricted', 'general']),
    feeWon: z.number().int().min(0).max(1_000_000),
  })
  .strict();

export const institutionsSchema = z
  .object({
    institutions: z
      .array(
        z
          .object({ id, name: words, certificateTypes: z.array(certificateType).min(1).max(20) })
          .strict(),
      )
      .min(1)
      .max(100)
      .refine((list) => new Set(list.map((i) => i.id)).size === list.length, 'ids are unique'),
  })
  .strict();

const institutionsFile: JsonFileKind<{ institutions: Institution[] }> = {
  schema: institutionsSchema,
  maxBytes: 256 * 1024,
  fail: (source, problems, options) => new InstitutionsError(source, problems, options),
};

export async function loadInstitutions(file: string): Promise<readonly Institution[]> {
  return (await loadJsonFile(file, institutionsFile)).institutions;
}

export function parseInstitutions(text: string, source: string): readonly Institution[] {
  return parseJsonText(text, source, institutionsFile).institutions;
}

/** The demo's: one bank with a free restricted and a general-purpose certificate. */
export const defaultInstitutions: readonly Institution[] = [
  {
    id: 'demo-bank',
    name: { ko: '데모은행', en: 'Demo Bank' },
    certificateTypes: [
      {
        id: 'bank',
        name: { ko: '은행/보험용', en: 'Banking and insurance' },
        policyOid: '1.2.410.200005.1.1.4',
        profile: 'restricted',
        feeWon: 0,
      },
      {
        id: 'general',
        name: { ko: '범용', en: 'General purpose' },
        policyOid: '1.2.410.200005.1.1.1',
        profile: 'general',
        feeWon: 4400,
      },
    ],
  },
];
