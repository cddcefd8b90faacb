// Runs the test suite, or one tier of it, with the Node that runs this script, so the same suite runs on
// each version: `node scripts/test.mjs` (npm test), `npx -y node@26 scripts/test.mjs --node=26` (npm run
// test:node26). `--node=N` fails the run unless this is Node N: if the registry's `node` package did not
// install its binary, `npx node@26` silently runs the system Node, and CI would test Node 20 while claiming 26.
// `node scripts/test.mjs <tier>`:
//   all (default)  every test file, each in its own process
//   unit           the packages' own tests (packages/*/test), all in one process: the fast inner loop
//   integration    conformance, escaped, bundle, stacks and chaos, each file in its own process
//   conformance | escaped | bundle | stacks | chaos   one folder of test/
// Extra arguments go to node (e.g. --test-name-pattern=…).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const folders = ['conformance', 'escaped', 'bundle', 'stacks', 'chaos'];
const unit = readdirSync(join(root, 'packages')).map((name) => join('packages', name, 'test'));
const integration = folders.map((name) => join('test', name));
const tiers = {
  all: [...unit, ...integration],
  unit,
  integration,
  ...Object.fromEntries(folders.map((name) => [name, [join('test', name)]])),
};

const args = process.argv.slice(2);
const asked = args.find((arg) => arg.startsWith('--node='));
if (asked !== undefined) {
  args.splice(args.indexOf(asked), 1);
  if (asked.slice('--node='.length) !== process.versions.node.split('.')[0]) {
    console.error(`asked for Node ${asked.slice('--node='.length)}, running ${process.version} (${process.execPath})`);
    process.exit(1);
  }
}
const tier = args[0] !== undefined && !args[0].startsWith('-') ? args.shift() : 'all';
if (!Object.hasOwn(tiers, tier)) {
  console.error(`unknown tier ${tier}: one of ${Object.keys(tiers).join(', ')}`);
  process.exit(2);
}
const files = tiers[tier]
  .filter((dir) => existsSync(join(root, dir)))
  .flatMap((dir) => readdirSync(join(root, dir)).filter((name) => name.endsWith('.test.ts')).map((name) => join(dir, name)))
  .sort();

console.log(`node ${process.version}: ${files.length} test files (${tier})`);
const run = spawnSync(process.execPath, ['--import', 'tsx', ...args, ...(tier === 'unit' ? inProcess(files) : ['--test', ...files])], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);

/**
 * Node's arguments that import every file into one process: no Node and tsx start per file. Static imports,
 * so every file is loaded and has registered its tests before the first test runs: no timed test shares
 * the event loop with the loading of the next file.
 */
function inProcess(paths) {
  const imports = paths.map((file) => `import ${JSON.stringify(pathToFileURL(join(root, file)).href)};`);
  return ['--input-type=module', '--eval', imports.join('\n')];
}
