export { configSchema, defaultConfig, type Config } from './schema.js';
export { loadConfig, parseConfig } from './load.js';
