// npm run release:dry-run: `npm publish --dry-run` for every public package, as `npm run release:publish`
// would publish it (its prepack builds it; public access from publishConfig), and a failure unless each
// tarball holds every file its package.json points to, its README, LICENSE and CHANGELOG. CI runs it on a
// clean clone before anything is built, so a package that would go out without its dist fails here.
import { filesNeeded, npmJson, publicPackages, run } from './published.mjs';

let failed = false;
for (const { dir, name, manifest } of publicPackages()) {
  // In the workspace, with npm's own environment: prepack's `turbo run build` needs the monorepo.
  const result = await run('npm', ['publish', '--dry-run', '--json', '--workspace', dir], { env: process.env, timeout: 600_000 });
  if (result.code !== 0) {
    console.error(`✗ ${name}: npm publish --dry-run exited ${String(result.code)}\n${result.output}`);
    failed = true;
    continue;
  }
  const report = npmJson(result.stdout)[name];
  const files = new Set(report.files.map(({ path }) => path));
  const missing = filesNeeded(manifest).filter((file) => !files.has(file));
  const access = /with tag \S+ and (\w+) access/.exec(result.stderr)?.[1];
  if (missing.length > 0 || access !== 'public') {
    console.error(`✗ ${name}: ${missing.length > 0 ? `the tarball lacks ${missing.join(', ')}` : ''} ${access === 'public' ? '' : `(access: ${access ?? 'unknown'})`}`);
    failed = true;
  } else {
    console.log(`✓ ${report.id}: ${String(report.entryCount)} files, ${String(report.size)} B packed, public access`);
  }
}
process.exit(failed ? 1 : 0);
