// Counts what the layer check (.dependency-cruiser.cjs, part of `npm run lint`) finds in src/:
// the upward imports (a file importing a higher layer or a later folder of its own layer, or
// one delivery folder importing another) one per line, then the folder cycles, then the
// totals. Exits 0 either way: it measures; `npm run lint:layers` is the check that fails.
import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const config = require('../.dependency-cruiser.cjs');
process.chdir(new URL('..', import.meta.url).pathname);

const result = await cruise(
  ['src'],
  { ...config.options, ruleSet: { forbidden: config.forbidden }, validate: true },
  undefined,
  { tsConfig: extractTSConfig(config.options.tsConfig.fileName) },
);
const violations = result.output.summary.violations;
const upward = violations.filter((v) => /^no-(upward|delivery)/.test(v.rule.name));
const cycles = violations.filter((v) => v.rule.name === 'no-folder-cycles');
const other = violations.filter((v) => !upward.includes(v) && !cycles.includes(v));

for (const v of upward) console.log(`upward  ${v.from} -> ${v.to}  (${v.rule.name})`);
for (const v of cycles)
  console.log(`cycle   ${[v.from, ...v.cycle.map((c) => c.name)].join(' -> ')}`);
for (const v of other) console.log(`other   ${v.from} -> ${v.to}  (${v.rule.name})`);
console.log(
  `upward imports: ${upward.length}, folder cycles: ${cycles.length}, other: ${other.length}`,
);
