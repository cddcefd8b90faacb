// Runs every test file with the Node that runs this script, so the same suite runs on each version:
// `node scripts/test.mjs` (npm test), `npx node@22 scripts/test.mjs`, `npx node@24 scripts/test.mjs`.
// Extra arguments go to `node --test` (e.g. --test-name-pattern=…).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dirs = [
  ...readdirSync(join(root, 'packages')).map((name) => join('packages', name, 'test')),
  join('test', 'conformance'),
  join('test', 'escaped'),
  join('test', 'bundle'),
  join('test', 'chaos'),
];
const files = dirs
  .filter((dir) => existsSync(join(root, dir)))
  .flatMap((dir) => readdirSync(join(root, dir)).filter((name) => name.endsWith('.test.ts')).map((name) => join(dir, name)))
  .sort();

console.log(`node ${process.version}: ${files.length} test files`);
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
