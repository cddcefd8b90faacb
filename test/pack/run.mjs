// npm run test:pack: the packages as a stranger gets them from the registry. Packs every public package
// (its prepack builds it) and installs the tarballs into fresh applications under the system's temp
// directory: no workspace and no links, npm's isolated `linked` layout (like pnpm's), so an application
// sees only what it depends on. Then checks
//   - each tarball: the files its package.json points to, README, LICENSE, CHANGELOG, the registry's
//     metadata, README links that work on the registry's page, source maps without sources, declarations
//     that never name the optional peer @opentelemetry/api, publint and @arethetypeswrong/cli;
//   - the README snippets, run as ES modules and as CommonJS on real servers, and type-checked with
//     skipLibCheck: false, node16 and bundler resolution (TypeScript 7; 5.9 on node16), with and without
//     @opentelemetry/api installed (`.cts` included: `import recover = require('@recover/fastify')`);
//   - the eslint-config README: its install line, its tsconfig setting and its three configs, run as
//     written; and its warning on the tsconfig `tsc --init` writes.
// The snippets and the lint also run on each other Node given with --node=20.6.0,20,22,24,26 (from the
// registry's `node` package; 20.6.0 is the floor `engines` names); type checks are Node-independent and
// run once. --tarballs=DIR checks tarballs packed
// elsewhere (main's, say) instead of packing; --keep keeps the temporary directory.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPOSITORY, filesNeeded, nodeBinaries, publicPackages, root, run } from './published.mjs';

const args = process.argv.slice(2);
const given = args.find((arg) => arg.startsWith('--tarballs='))?.slice('--tarballs='.length);
const nodes = nodeBinaries(args);
const fixtures = fileURLToPath(new URL('./apps/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'recover-pack-'));
if (!args.includes('--keep')) after(() => rmSync(work, { recursive: true, force: true }));
else console.log(`# keeping ${work}`);

const ADAPTERS = ['@recover/express', '@recover/fastify', '@recover/koa'];
const started = Date.now();
const packages = publicPackages();
const tarballs = given ?? join(work, 'tarballs');
if (!given) await pack();
const tarballOf = Object.fromEntries(packages.map(({ name, manifest }) => [name, join(tarballs, `${name.slice(1).replace('/', '-')}-${manifest.version}.tgz`)]));
const unpacked = Object.fromEntries(await Promise.all(packages.map(async ({ name, dir }) => [name, await unpack(name, basename(dir))])));
const [adapters, core, coreWithOtel, eslint] = await Promise.all([
  install('adapters', {
    '@recover/express': `file:${tarballOf['@recover/express']}`,
    '@recover/fastify': `file:${tarballOf['@recover/fastify']}`,
    '@recover/koa': `file:${tarballOf['@recover/koa']}`,
    express: '^5.1.0',
    fastify: '^5.0.0',
    koa: '^3.0.0',
    '@koa/router': '^15.0.0',
    pino: '^10.0.0',
    'pino-http': '^11.0.0',
    ...typescript({ '@types/express': '^5.0.0', '@types/koa': '^3.0.0' }),
  }),
  install('core', { '@recover/core': `file:${tarballOf['@recover/core']}`, ...typescript() }),
  install('core', { '@recover/core': `file:${tarballOf['@recover/core']}`, '@opentelemetry/api': '^1.9.0', ...typescript() }, 'core-otel'),
  installFromReadme('eslint'),
]);
console.log(`# packed and installed in ${String(Math.round((Date.now() - started) / 1000))} s`);

/** The TypeScript compilers and types of an application that type-checks. */
function typescript(types = {}) {
  return { typescript: '~5.9.3', typescript7: 'npm:typescript@^7.0.2', '@types/node': '^20.19.0', ...types };
}

async function pack() {
  mkdirSync(tarballs);
  const workspaces = packages.flatMap(({ dir }) => ['--workspace', dir]);
  const packed = await run('npm', ['pack', '--pack-destination', tarballs, ...workspaces], { env: process.env, timeout: 600_000 });
  assert.equal(packed.code, 0, packed.output);
}

async function unpack(name, into) {
  const dir = join(work, 'unpacked', into);
  mkdirSync(dir, { recursive: true });
  const result = await run('tar', ['-xzf', tarballOf[name], '-C', dir]);
  assert.equal(result.code, 0, result.output);
  return join(dir, 'package');
}

/**
 * A fresh application in the temp directory with the fixture files of `fixture` and `dependencies`,
 * installed in npm's isolated layout. `@recover/core` always comes from its tarball, never the registry.
 */
async function install(fixture, dependencies, name = fixture) {
  const dir = join(work, name);
  cpSync(join(fixtures, fixture), dir, { recursive: true });
  cpSync(join(fixtures, 'expect.cjs'), join(dir, 'expect.cjs'));
  const manifest = { name: `pack-${name}`, private: true, type: 'module', dependencies, overrides: { '@recover/core': `file:${tarballOf['@recover/core']}` } };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await npmInstall(dir, []);
  return dir;
}

/** The eslint-config application: what its README's install line installs, and the fixture sources. */
async function installFromReadme(name) {
  const dir = join(work, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `pack-${name}`, private: true, type: 'module' }, null, 2));
  const line = /^npm install (.*@recover\/eslint-config.*)$/m.exec(readme('@recover/eslint-config'))?.[1];
  assert.ok(line, 'the eslint-config README has an install line');
  await npmInstall(dir, line.split(/\s+/).map((word) => (word === '@recover/eslint-config' ? tarballOf[word] : word)));
  return dir;
}

async function npmInstall(dir, specs) {
  const flags = ['--install-strategy=linked', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  const result = await run('npm', ['install', ...specs, ...flags], { cwd: dir });
  assert.equal(result.code, 0, `npm install in ${dir}:\n${result.output}`);
}

function readme(name) {
  return readFileSync(join(unpacked[name], 'README.md'), 'utf8');
}

function filesIn(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** The code blocks of a README in `language`. */
function codeBlocks(text, language) {
  return [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(([, code]) => code ?? '');
}

/** Every name a declaration file exports (values and types). */
function exportedNames(declarations) {
  return [...declarations.matchAll(/^export \{([^}]*)\}/gm)].flatMap(([, list]) =>
    (list ?? '').split(',').map((item) => item.trim().replace(/^type /, '').split(/\s+as\s+/).at(-1) ?? '').filter(Boolean),
  );
}

/** The keys of core's RecoverOptions, read from its published declarations. */
function recoverOptions() {
  const dist = join(unpacked['@recover/core'], 'dist');
  const declarations = filesIn(dist).filter((file) => file.endsWith('.d.ts')).map((file) => readFileSync(join(dist, file), 'utf8')).join('\n');
  const body = /^interface RecoverOptions \{\n([\s\S]*?)\n\}/m.exec(declarations)?.[1] ?? '';
  return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map(([, key]) => key);
}

async function expectSuccess(label, command, commandArgs, options) {
  const result = await run(command, commandArgs, options);
  assert.equal(result.code, 0, `${label} exited ${String(result.code)}:\n${result.output}`);
  return result;
}

const eslintProjects = setUpEslintProjects();

// Two suites at a time: the type checks and ESLint are CPU-bound, the rest mostly waits on processes.
describe('npm run test:pack', { concurrency: 2 }, () => {
describe('each tarball', { concurrency: true }, () => {
  for (const { name, dir } of packages) {
    describe(name, () => {
      const files = () => filesIn(unpacked[name]);
      const manifest = () => JSON.parse(readFileSync(join(unpacked[name], 'package.json'), 'utf8'));

      it('holds every file its package.json points to, its README, LICENSE and CHANGELOG', () => {
        const missing = filesNeeded(manifest()).filter((file) => !files().includes(file));
        assert.deepEqual(missing, []);
        assert.match(readFileSync(join(unpacked[name], 'LICENSE'), 'utf8'), /^MIT License/);
      });

      it('has the registry metadata: repository with directory, homepage, bugs, keywords, public access with provenance, prepack', () => {
        const { repository, homepage, bugs, keywords, license, publishConfig, scripts, engines } = manifest();
        assert.deepEqual(repository, { type: 'git', url: `git+${REPOSITORY}.git`, directory: dir });
        assert.equal(homepage, `${REPOSITORY}/tree/main/${dir}#readme`);
        assert.deepEqual(bugs, { url: `${REPOSITORY}/issues` });
        assert.ok(Array.isArray(keywords) && keywords.length > 0, 'keywords');
        assert.equal(license, 'MIT');
        assert.ok(engines?.node, 'engines.node');
        // The preset runs inside ESLint: it claims the Nodes the ESLint its README installs runs on, no more.
        if (name === '@recover/eslint-config') assert.equal(engines.node, JSON.parse(readFileSync(join(eslint, 'node_modules', 'eslint', 'package.json'), 'utf8')).engines.node);
        assert.deepEqual(publishConfig, { access: 'public', provenance: true });
        if (files().some((file) => file.startsWith('dist/'))) assert.ok(scripts?.prepack, 'a prepack script builds dist');
      });

      it('links from its README to absolute URLs only, so they work on the registry page', () => {
        const links = [...readme(name).matchAll(/\]\(([^)\s]+)\)/g)].map(([, url]) => url);
        assert.deepEqual(links.filter((url) => !/^(https:\/\/|#)/.test(url ?? '')), []);
      });

      it('ships source maps without the sources', () => {
        const maps = files().filter((file) => file.endsWith('.map'));
        const withSources = maps.filter((file) => 'sourcesContent' in JSON.parse(readFileSync(join(unpacked[name], file), 'utf8')));
        assert.deepEqual(withSources, []);
      });

      it('has declarations that never name the optional peer @opentelemetry/api', () => {
        const declarations = files().filter((file) => /\.d\.c?ts$/.test(file));
        assert.deepEqual(declarations.filter((file) => readFileSync(join(unpacked[name], file), 'utf8').includes('@opentelemetry/api')), []);
      });

      it('passes publint', async () => {
        await expectSuccess('publint', process.execPath, [join(root, 'node_modules/publint/src/cli.js'), 'run', tarballOf[name], '--strict']);
      });

      it('passes @arethetypeswrong/cli', async () => {
        // node16 and bundler resolution (TypeScript's node10 cannot reach @recover/core/adapter); the
        // ESLint preset is an ES module only, as ESLint's flat config is.
        const profile = manifest().exports?.['.']?.require ? 'node16' : 'esm-only';
        await expectSuccess('attw', process.execPath, [join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'), tarballOf[name], '--profile', profile, '--format', 'ascii']);
      });

      if (name === '@recover/core') {
        it('has a row in its README options table for every option of RecoverOptions', () => {
          const rows = [...readme(name).matchAll(/^\| `(\w+)` \|/gm)].map(([, key]) => key);
          assert.deepEqual(recoverOptions().filter((key) => !rows.includes(key)), []);
        });
      }
      if (!ADAPTERS.includes(name)) return;

      it('names every option of RecoverOptions in its README, with an absolute link to the options table', () => {
        const options = recoverOptions();
        assert.ok(options.length > 0, 'RecoverOptions read from core');
        assert.deepEqual(options.filter((key) => !readme(name).includes(`\`${key}\``)), []);
        assert.ok(readme(name).includes(`(${REPOSITORY}/tree/main/packages/core#options)`), 'a link to the options table');
      });

      it('imports, in its README, only from itself, and only what it exports', () => {
        const exported = exportedNames(readFileSync(join(unpacked[name], 'dist/index.d.ts'), 'utf8'));
        const code = [...codeBlocks(readme(name), 'js'), ...codeBlocks(readme(name), 'ts')].join('\n');
        const imports = [...code.matchAll(/import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*'(@recover\/[\w-]+)'/g)];
        assert.ok(imports.length > 0, 'the README imports the package');
        for (const [, defaultName, named, from] of imports) {
          assert.equal(from, name, 'the README imports from the package users installed');
          if (defaultName) assert.ok(exported.includes('default'), `${name} has a default export`);
          for (const item of (named ?? '').split(',').map((part) => part.trim().replace(/^type /, '').split(/\s+as\s+/)[0]).filter(Boolean)) {
            assert.ok(exported.includes(item ?? ''), `${name} exports ${item ?? ''}`);
          }
        }
        assert.doesNotMatch(readme(name), /from [`'"]@recover\/core[`'"]/, 'no prose sends users to @recover/core');
      });
    });
  }
});

describe('type-checks the README snippets (skipLibCheck: false)', { concurrency: true }, () => {
  const resolutions = {
    node16: { module: 'node16', moduleResolution: 'node16' },
    bundler: { module: 'preserve', moduleResolution: 'bundler', esModuleInterop: true },
  };
  // TypeScript 7 (native, what `npm install typescript` gets today) everywhere; TypeScript 5.9, which
  // builds these packages and takes 10 to 25 s a program here, on node16 resolution only.
  const cases = [
    ['the adapters', adapters, { node16: ['*.ts', '*.cts'], bundler: ['*.ts'] }, ['typescript7', 'typescript']],
    ['core, without @opentelemetry/api installed', core, { node16: ['*.ts'], bundler: ['*.ts'] }, ['typescript7', 'typescript']],
    ['core, with @opentelemetry/api installed', coreWithOtel, { node16: ['*.ts'], bundler: ['*.ts'] }, ['typescript7']],
  ];
  for (const [label, app, includes, compilers] of cases) {
    for (const [resolution, compilerOptions] of Object.entries(resolutions)) {
      const config = join(app, `tsconfig.${resolution}.json`);
      const base = { target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] };
      writeFileSync(config, JSON.stringify({ compilerOptions: { ...base, ...compilerOptions }, include: includes[resolution] }, null, 2));
      for (const compiler of compilers.filter((name) => name === 'typescript7' || resolution === 'node16')) {
        it(`${label}: ${resolution} resolution, TypeScript ${compiler === 'typescript7' ? '7' : '5.9'}`, async () => {
          await expectSuccess('tsc', process.execPath, [join(app, 'node_modules', compiler, 'bin', 'tsc'), '-p', config], { cwd: app });
        });
      }
    }
  }
});

for (const node of nodes) {
  describe(`Node ${node.version}: runs the README snippets`, { concurrency: true }, () => {
    const [major = 0, minor = 0] = node.version.split('.').map(Number);
    // ESLint 10 runs on 20.19+, 22.13+ and 24+, and the preset's engines say so (checked per tarball): on an
    // older Node there is nothing of the preset to run.
    const lintable = !(major === 20 && minor < 19) && !(major === 22 && minor < 13) && major !== 21 && major !== 23;
    const runs = [
      ['the adapters as ES modules', adapters, 'esm.mjs'],
      ['the adapters as CommonJS', adapters, 'cjs.cjs'],
      ['core as an ES module, without @opentelemetry/api', core, 'server.mjs'],
      ['core as CommonJS, without @opentelemetry/api', core, 'server.cjs'],
      ['core as an ES module, with @opentelemetry/api', coreWithOtel, 'server.mjs'],
    ];
    for (const [label, app, file] of runs) {
      it(label, async () => {
        await expectSuccess(file, node.path, [file], { cwd: app, timeout: 60_000 });
      });
    }

    // One ESLint process per Node lints with every config, so each TypeScript program is built once.
    let linted;
    const lintAll = () => (linted ??= lint(node));
    const MISUSED = '@typescript-eslint/no-misused-promises error';
    if (lintable) eslintProjects.snippets.forEach((_, index) => {
      it(`eslint-config README snippet ${String(index + 1)}, with the README's tsconfig setting: reports both async callbacks`, async () => {
        const result = (await lintAll()).find(({ project, config }) => project === eslintProjects.readme && config === configName(index));
        assert.deepEqual(result, { project: eslintProjects.readme, config: configName(index), messages: [`${MISUSED} src/emitter.ts`, `${MISUSED} src/timer.ts`] });
      });
    });
    if (lintable) it("eslint-config on the tsconfig `tsc --init` writes (types: []): warns that Node's types are missing", async () => {
      const result = (await lintAll()).find(({ project }) => project === eslintProjects.bare);
      const WARNING = '@recover/node-types warning';
      assert.deepEqual(result, { project: eslintProjects.bare, config: configName(0), messages: [`${WARNING} src/emitter.ts`, `${WARNING} src/timer.ts`] });
    });
  });
}
});

function configName(index) {
  return `eslint.config.${String(index + 1)}.js`;
}

/**
 * Two projects in the eslint application, each with an async setTimeout callback and an async emitter
 * listener and a tsconfig extending the one `tsc --init` writes: `readme/` adds the README's tsconfig
 * block and has its three eslint.config.js files; `bare/` has neither the block nor any config but the first.
 */
function setUpEslintProjects() {
  const text = readme('@recover/eslint-config');
  const setting = codeBlocks(text, 'json').map((block) => JSON.parse(block)).find((block) => block.compilerOptions);
  const snippets = codeBlocks(text, 'js').filter((code) => code.includes('export default'));
  assert.equal(snippets.length, 3, 'the eslint-config README shows three eslint.config.js files');
  const projects = { readme: join(eslint, 'readme'), bare: join(eslint, 'bare') };
  for (const [project, extra, configs] of [[projects.readme, setting ?? {}, snippets], [projects.bare, {}, snippets.slice(0, 1)]]) {
    cpSync(join(root, 'packages/eslint-config/test/fixtures/readme/src'), join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ extends: '../tsconfig.init.json', ...extra, include: ['src'] }, null, 2));
    configs.forEach((code, index) => writeFileSync(join(project, configName(index)), code));
  }
  const tsc = join(eslint, 'node_modules', 'typescript', 'bin', 'tsc');
  const init = run(process.execPath, [tsc, '--init'], { cwd: eslint }).then(({ code, output }) => {
    assert.equal(code, 0, output);
    renameSync(join(eslint, 'tsconfig.json'), join(eslint, 'tsconfig.init.json'));
  });
  return { ...projects, snippets, init };
}

/** Lints both eslint projects with each of their configs on `node`: one result per project and config. */
async function lint(node) {
  await eslintProjects.init;
  const pairs = [
    ...eslintProjects.snippets.map((_, index) => `${eslintProjects.readme}=${configName(index)}`),
    `${eslintProjects.bare}=${configName(0)}`,
  ];
  const result = await expectSuccess('lint.mjs', node.path, ['lint.mjs', ...pairs], { cwd: eslint });
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line));
}
