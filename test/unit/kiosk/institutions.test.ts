import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstitutionsError } from '../../../src/errors/index.js';
import {
  defaultInstitutions,
  institutionsSchema,
  loadInstitutions,
  parseInstitutions,
} from '../../../src/kiosk/institutions.js';
import { tempDir } from '../../support/tempDir.js';

// Issue 13 item 4: the institutions file is checked at start, every wrong key named.

const problemsOf = (text: string) => {
  try {
    parseInstitutions(text, 'institutions.json');
  } catch (error) {
    if (error instanceof InstitutionsError) return error.problems.map((p) => p.key);
    throw error;
  }
  return [];
};

describe('the institutions file', () => {
  it('the embedded default is valid by the same schema', () => {
    expect(institutionsSchema.safeParse({ institutions: defaultInstitutions }).success).toBe(true);
  });

  it('reads a file written by an operator', async () => {
    const file = join(tempDir('institutions-'), 'institutions.json');
    writeFileSync(file, `\ufeff${JSON.stringify({ institutions: defaultInstitutions })}`);
    expect(await loadInstitutions(file)).toEqual(defaultInstitutions);
  });

  it('names every wrong key', () => {
    const [bank] = defaultInstitutions;
    if (bank === undefined) throw new Error('no default institution');
    const [type] = bank.certificateTypes;
    expect(
      problemsOf(
        JSON.stringify({
          institutions: [
            {
              ...bank,
              certificateTypes: [{ ...type, feeWon: -1, policyOid: '1.2.x', colour: 'red' }],
            },
          ],
        }),
      ).sort(),
    ).toEqual([
      'institutions.0.certificateTypes.0.colour',
      'institutions.0.certificateTypes.0.feeWon',
      'institutions.0.certificateTypes.0.policyOid',
    ]);
    expect(problemsOf(JSON.stringify({ institutions: [bank, bank] }))).toEqual(['institutions']);
    expect(problemsOf('{ not json')).toEqual(['(syntax)']);
    expect(problemsOf(JSON.stringify({ institutions: [] }))).toEqual(['institutions']);
  });

  it('refuses a file larger than its bound before parsing it', async () => {
    const file = join(tempDir('institutions-'), 'big.json');
    writeFileSync(file, ' '.repeat(300 * 1024));
    await expect(loadInstitutions(file)).rejects.toMatchObject({
      code: 'INSTITUTIONS_INVALID',
      problems: [{ key: '(file)' }],
    });
  });
});
