import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadJsonFile, parseJsonText, type JsonFileKind } from '../config/jsonFile.js';
import { CatalogueError } from '../errors/index.js';

/** Longest label or manufacturer pattern accepted: CK_TOKEN_INFO fields are 32 bytes. */
export const maxPatternLength = 200;

/** A catalogue file larger than this is refused: a few dozen entries take a few kilobytes. */
export const maxCatalogueBytes = 128 * 1024;

/** Whether `source` compiles as a JavaScript regular expression (no flags, as matched). */
function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const pattern = z
  .string()
  .min(1)
  .max(maxPatternLength)
  .refine(compiles, { error: 'a JavaScript regular expression that compiles' });

/**
 * One PKCS#11 module and the tokens it serves (DESIGN §3.3; STYLE #8: data, not code, like
 * webcrypto-local's card.json). Unknown keys are refused so a misspelt key is an error, not a
 * silently ignored matcher. The descriptions end up in catalogue.schema.json for editors.
 */
export const catalogueEntrySchema = z
  .object({
    name: z.string().min(1).max(100).describe('Shown to the operator (logs, kiosk token list).'),
    // Absolute, so that dlopen never searches LD_LIBRARY_PATH or the working folder.
    module: z
      .string()
      .max(4096)
      .regex(/^\//, { error: 'an absolute path (starting with /)' })
      .describe('Absolute path of the PKCS#11 library.'),
    usb: z
      .array(
        z.string().regex(/^[0-9a-f]{4}:[0-9a-f]{4}$/, {
          error: 'a USB id "vvvv:pppp" in lowercase hexadecimal',
        }),
      )
      .max(64)
      .optional()
      .describe('USB vendor:product ids of its tokens, lowercase hex as lsusb writes them.'),
    manufacturer: pattern
      .optional()
      .describe(
        'JavaScript RegExp source tested against the token manufacturerID (unanchored unless it uses ^ or $).',
      ),
    label: pattern
      .optional()
      .describe(
        'JavaScript RegExp source tested against the token label (unanchored unless it uses ^ or $).',
      ),
  })
  .strict()
  .describe('One PKCS#11 module and the tokens it serves.');

/** The catalogue file: `{ "modules": [ … ] }`, first entry first wherever order matters. */
export const catalogueSchema = z
  .object({
    $schema: z.string().optional().describe('Where an editor finds this schema; ignored.'),
    modules: z
      .array(catalogueEntrySchema)
      .max(256)
      .describe('Entries in order of preference: the first that matches wins.'),
  })
  .strict()
  .describe('Kiosk token catalogue: which PKCS#11 module serves which token (DESIGN §3.3).');

/** A validated catalogue. */
export type Catalogue = z.infer<typeof catalogueSchema>;
/** One validated entry. */
export type CatalogueEntry = z.infer<typeof catalogueEntrySchema>;

/** What a token says about itself that entries match on (trimmed CK_TOKEN_INFO fields). */
export interface TokenIdentity {
  readonly label: string;
  readonly manufacturer: string;
}

/** The JSON Schema of the catalogue file, for operators' editors (src/tokens/catalogue.schema.json). */
export function catalogueJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(catalogueSchema);
}

/**
 * Reads and validates a catalogue file of at most maxCatalogueBytes. Throws CatalogueError naming
 * the file and every wrong key.
 */
export function loadCatalogue(file: string): Promise<Catalogue> {
  return loadJsonFile(file, catalogueFile);
}

/** Validates catalogue text (JSON); `source` names it in errors. Throws CatalogueError. */
export function parseCatalogue(text: string, source: string): Catalogue {
  return parseJsonText(text, source, catalogueFile);
}

const catalogueFile: JsonFileKind<Catalogue> = {
  schema: catalogueSchema,
  maxBytes: maxCatalogueBytes,
  fail: (source, problems, options) => new CatalogueError(source, problems, options),
};

/** `vvvv:pppp` for numeric ids, or undefined when they are not 16-bit unsigned integers. */
function usbId(vendorId: number, productId: number): string | undefined {
  const valid = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffff;
  if (!valid(vendorId) || !valid(productId)) return undefined;
  const hex = (n: number): string => n.toString(16).padStart(4, '0');
  return `${hex(vendorId)}:${hex(productId)}`;
}

/** Each module path once, in the order first met. */
function distinctModules(entries: readonly CatalogueEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.module))];
}

/**
 * The modules of the entries that list this USB device's vendor:product, in catalogue order and
 * each once: what to load when that device is plugged in.
 */
export function modulesForUsbDevice(
  catalogue: Catalogue,
  vendorId: number,
  productId: number,
): string[] {
  const id = usbId(vendorId, productId);
  if (id === undefined) return [];
  return distinctModules(catalogue.modules.filter((entry) => entry.usb?.includes(id) === true));
}

/**
 * The first entry for `modulePath` that claims the token: every pattern it gives (label,
 * manufacturer) matches (RegExp `test`, so unanchored unless the pattern anchors itself); an entry
 * with no pattern claims every token of its module. Undefined when no entry claims it.
 */
export function entryForToken(
  catalogue: Catalogue,
  modulePath: string,
  token: TokenIdentity,
): CatalogueEntry | undefined {
  return catalogue.modules.find(
    (entry) =>
      entry.module === modulePath &&
      matches(entry.label, token.label) &&
      matches(entry.manufacturer, token.manufacturer),
  );
}

function matches(source: string | undefined, value: string): boolean {
  // The schema made sure every pattern compiles; patterns are the operator's, not the visitor's.
  return source === undefined || new RegExp(source).test(value);
}

/**
 * The catalogue's modules that exist on this machine, in catalogue order and each once: what to
 * poll for tokens when no USB id says which (DESIGN §3.3: C_WaitForSlotEvent is unsupported on
 * SoftHSM, so slots are polled). `exists` is injectable for tests.
 */
export function candidateModules(
  catalogue: Catalogue,
  exists: (path: string) => boolean = existsSync,
): string[] {
  return distinctModules(catalogue.modules).filter((module) => exists(module));
}
