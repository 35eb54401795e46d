// Writes docs/asyncapi.json from the schemas src/api-docs assembles (run through `npm run docs:asyncapi`,
// which builds first). test/contract-documents.e2e-spec.ts fails while the file is stale.
import { writeFileSync } from 'node:fs';
import { format } from 'prettier';
import { asyncApiDocument } from '../dist/api-docs/asyncapi-document.js';

const target = new URL('../docs/asyncapi.json', import.meta.url);
writeFileSync(target, await format(JSON.stringify(asyncApiDocument()), { parser: 'json' }));
console.log(`wrote ${target.pathname}`);
