import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { realDevices, type Devices } from '../service/devices.js';

/** What every command runs with: validated configuration, the log, the clock, output streams. */
export interface CliContext {
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => Date;
  readonly stdout: NodeJS.WritableStream;
  /** The machine's devices, built in one place (src/service/devices.ts). */
  readonly devices: Devices;
}

/**
 * The kiosk home: relative paths in the configuration (log file, state folder) are taken from
 * here. `KIOSK_HOME` if set, else the project folder this code is installed in.
 */
export function kioskHome(): string {
  const fromEnv = process.env.KIOSK_HOME;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Loads the configuration (defaults without a file) and opens the log. */
export async function createContext(configFile: string | undefined): Promise<CliContext> {
  const config = configFile === undefined ? defaultConfig() : await loadConfig(configFile);
  const home = kioskHome();
  const file = config.log.file;
  const log = createLogger({
    level: config.log.level,
    destination: file === null ? null : isAbsolute(file) ? file : join(home, file),
    rotation: { maxBytes: config.log.maxBytes, keep: config.log.keep },
  });
  return {
    config,
    log,
    now: () => new Date(),
    stdout: process.stdout,
    devices: realDevices(config, home),
  };
}
