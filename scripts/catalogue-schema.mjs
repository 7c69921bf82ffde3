// Regenerates src/tokens/catalogue.schema.json from the zod schema in src/tokens/catalogue.ts,
// formatted as Prettier formats the rest of the repository. Run after a build:
//   npm run build && node scripts/catalogue-schema.mjs
// test/unit/tokens/catalogue.test.ts fails while the committed file and the schema disagree.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { catalogueJsonSchema } from '../dist/src/tokens/catalogue.js';

const file = fileURLToPath(new URL('../src/tokens/catalogue.schema.json', import.meta.url));
const options = (await prettier.resolveConfig(file)) ?? {};
const text = await prettier.format(JSON.stringify(catalogueJsonSchema()), {
  ...options,
  filepath: file,
});
writeFileSync(file, text);
