// What the publishable packages are and what each tarball must hold; shared by test/pack/run.mjs
// (npm run test:pack) and test/pack/publish-dry-run.mjs (npm run release:dry-run).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const REPOSITORY = 'https://github.com/recover-js/recover';

/** Every package under packages/ that is not private: `{ dir: 'packages/core', name, manifest }`. */
export function publicPackages() {
  return readdirSync(join(root, 'packages'))
    .map((name) => join('packages', name))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .map(({ dir, manifest }) => ({ dir, name: manifest.name, manifest }));
}

/** The files a tarball must hold: every file package.json points to, and the README, LICENSE and CHANGELOG. */
export function filesNeeded(manifest) {
  const targets = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
  const add = (value) => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(add);
  };
  add(manifest.exports);
  add([manifest.main, manifest.module, manifest.types]);
  return [...targets].sort();
}

/** The JSON document npm prints after any lifecycle script output (prepack's build) on stdout. */
export function npmJson(stdout) {
  const start = stdout.search(/^[[{]/m);
  if (start === -1) throw new Error(`no JSON in npm's output:\n${stdout}`);
  return JSON.parse(stdout.slice(start));
}

/** The environment for an npm run outside this workspace: none of the `npm_*` variables npm run set for us. */
export function cleanEnv(extra = {}) {
  const kept = /^npm_config_(cache|cafile|registry|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl)$/i;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || kept.test(key)));
  return { ...env, NO_UPDATE_NOTIFIER: '1', ...extra };
}

/** Runs a command; resolves with its exit code and output, never rejects on a non-zero exit. */
export function run(command, args, { cwd = root, env = cleanEnv(), timeout = 180_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, stdout, stderr, output: `${stdout}${stderr}` }));
  });
}

/**
 * The Node binaries to run with: this one, then one per version asked for (`--node=20.6.0,22,24,26`: a
 * major or an exact version) from the registry's `node` package. Each must report the version it was
 * asked for: if the package's install script did not run, `npx node@26` silently runs the system Node.
 */
export function nodeBinaries(argv = process.argv.slice(2)) {
  const asked = argv.find((arg) => arg.startsWith('--node='))?.slice('--node='.length).split(',').filter(Boolean) ?? [];
  const matches = (version, wanted) => version === wanted || version.split('.')[0] === wanted;
  const current = { version: process.versions.node, path: process.execPath };
  const others = asked
    .filter((wanted) => !matches(current.version, wanted))
    .map((wanted) => {
      const found = spawnSync('npx', ['-y', `node@${wanted}`, '-p', 'process.execPath + " " + process.versions.node'], {
        encoding: 'utf8',
        env: cleanEnv(),
      });
      const [path, version] = found.stdout.trim().split(' ');
      if (found.status !== 0 || !path || !version || !matches(version, wanted)) {
        throw new Error(`asked for Node ${wanted}, npx node@${wanted} ran ${version ?? 'nothing'}:\n${found.stderr}`);
      }
      return { version, path };
    });
  return [current, ...others];
}
