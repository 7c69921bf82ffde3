import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectError, runKiosk } from '../support/kiosk.js';
import { tempDir } from '../support/tempDir.js';

// Issue 11 item 9: certificates name the CRL at an address clients can reach. A wildcard listen
// address is none, so without ca.publicUrl `ca serve` refuses it rather than write it into every
// certificate (the bound-port case is checked in test/integration/caOpensslClient.test.ts).

describe('kiosk ca serve and the address it writes into certificates', () => {
  it('refuses a wildcard listen address without ca.publicUrl, before serving', () => {
    const home = tempDir('ca-home-');
    const dir = join(tempDir('ca-'), 'ca');
    expect(runKiosk(['ca', 'init', '--dir', dir], home).status).toBe(0);
    for (const listen of ['0.0.0.0:0', '[::]:0']) {
      expectError(
        runKiosk(['ca', 'serve', '--dir', dir, '--listen', listen], home),
        'CLI_USAGE',
        /set ca\.publicUrl/,
      );
    }
  }, 60_000);
});
