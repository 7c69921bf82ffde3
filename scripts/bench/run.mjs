// Runs every benchmark in this folder (`npm run bench` builds dist/ first). Each prints ratios
// against the standalone tool doing the same work, measured in the same run on the same machine.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort()) {
  if (only !== undefined && !file.includes(only)) continue;
  console.log(`# ${file}`);
  const bench = await import(new URL(file, import.meta.url).href);
  await bench.run();
  console.log();
}
