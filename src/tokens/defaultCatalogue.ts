import { catalogueSchema, type Catalogue } from './catalogue.js';

/**
 * The catalogue used when the operator gives none. Only entries whose paths and patterns are known
 * for certain are here; no USB ids, because none was verified on a real token (an operator adds
 * them for the tokens the branch hands out).
 *
 * - SoftHSM2: Debian's softhsm2 package installs the module at /usr/lib/softhsm/libsofthsm2.so
 *   (DESIGN §3.3), and its tokens report manufacturerID "SoftHSM project".
 * - OpenSC: Debian's opensc-pkcs11 package, x86-64 multiarch path; it serves many card and token
 *   types, so it claims every token it reports.
 *
 * Parsed through the schema so the embedded data obeys the same rules as a file.
 */
export const defaultCatalogue: Catalogue = catalogueSchema.parse({
  modules: [
    {
      name: 'SoftHSM2',
      module: '/usr/lib/softhsm/libsofthsm2.so',
      manufacturer: '^SoftHSM',
    },
    {
      name: 'OpenSC',
      module: '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so',
    },
  ],
});
