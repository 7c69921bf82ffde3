import type { TokenDriver, TokenInfo } from '../../drivers/pkcs11/contract.js';
import { KioskError, TokenModuleError, TokenNotFoundError } from '../errors/index.js';
import { candidateModules, entryForToken, type Catalogue } from './catalogue.js';

/** Where to look for tokens: one module named by the operator, or the catalogue's. */
export type ModuleSource =
  | { readonly kind: 'fixed'; readonly module: string }
  | { readonly kind: 'catalogue'; readonly catalogue: Catalogue; readonly modules: string[] };

/** The module source for an explicit `--pkcs11-module`, the config's module, or the catalogue. */
export function moduleSource(
  explicit: string | undefined,
  configured: string | undefined,
  catalogue: Catalogue,
  exists?: (path: string) => boolean,
): ModuleSource {
  const fixed = explicit ?? configured;
  if (fixed !== undefined) return { kind: 'fixed', module: fixed };
  return { kind: 'catalogue', catalogue, modules: candidateModules(catalogue, exists) };
}

/** A token found through a module, with the catalogue entry that claims it (if any). */
export interface FoundToken extends TokenInfo {
  readonly module: string;
  /** The catalogue entry's name; absent for a fixed module. */
  readonly catalogueName?: string;
}

/**
 * Opens the driver of the module that serves the token labelled `label` (DESIGN §3.3). A fixed
 * module is opened as it is (the token's absence shows when it is opened). Otherwise each
 * catalogue module present on this machine is loaded in order, and the first whose token with this
 * label is claimed by a catalogue entry wins; the others are closed again. A module that cannot be
 * loaded is skipped, so one broken vendor library does not hide the tokens of the others.
 */
export function driverForToken(
  label: string,
  source: ModuleSource,
  open: (module: string) => TokenDriver,
): Promise<TokenDriver> {
  return driverWhere(
    source,
    open,
    (module, t) =>
      t.initialized &&
      t.label === label &&
      source.kind === 'catalogue' &&
      claims(source.catalogue, module, t),
    `labelled ${label}`,
  );
}

/**
 * The driver of the first module (fixed, or the catalogue's in order) that reports a token
 * `accept` takes; TokenNotFoundError naming `what` and the modules looked in otherwise.
 */
export async function driverWhere(
  source: ModuleSource,
  open: (module: string) => TokenDriver,
  accept: (module: string, token: TokenInfo) => boolean,
  what: string,
): Promise<TokenDriver> {
  if (source.kind === 'fixed') return open(source.module);
  for (const module of source.modules) {
    const driver = tryOpen(open, module);
    if (driver === undefined) continue;
    let keep = false;
    try {
      keep = (await driver.listTokens()).some((t) => accept(module, t));
    } catch (error) {
      if (!(error instanceof KioskError)) throw error;
    } finally {
      if (!keep) await driver.close();
    }
    if (keep) return driver;
  }
  throw new TokenNotFoundError(
    `${what} (looked in ${source.modules.length === 0 ? 'no module present' : source.modules.join(', ')})`,
  );
}

/** Every token every module of the source reports, blank ones included. */
export async function listAllTokens(
  source: ModuleSource,
  open: (module: string) => TokenDriver,
): Promise<FoundToken[]> {
  const modules = source.kind === 'fixed' ? [source.module] : source.modules;
  const found: FoundToken[] = [];
  for (const module of modules) {
    // A fixed module that cannot load is the operator's error; a catalogue one is skipped.
    const driver = source.kind === 'fixed' ? open(module) : tryOpen(open, module);
    if (driver === undefined) continue;
    try {
      for (const token of await driver.listTokens()) {
        const entry =
          source.kind === 'catalogue' ? entryForToken(source.catalogue, module, token) : undefined;
        if (source.kind === 'catalogue' && entry === undefined && token.initialized) continue;
        found.push({ ...token, module, ...(entry ? { catalogueName: entry.name } : {}) });
      }
    } finally {
      await driver.close();
    }
  }
  return found;
}

function claims(catalogue: Catalogue, module: string, token: TokenInfo): boolean {
  return entryForToken(catalogue, module, token) !== undefined;
}

function tryOpen(open: (module: string) => TokenDriver, module: string): TokenDriver | undefined {
  try {
    return open(module);
  } catch (error) {
    if (error instanceof TokenModuleError) return undefined;
    throw error;
  }
}
