// Run after tsup on a package whose default export is what CommonJS users expect `require()` to return
// (@recover/fastify: the plugin, as every @fastify/* plugin is). tsup's CommonJS build returns a module
// object instead, `{ default, recover, ready, … }`, which `app.register()` accepts at run time but its
// types reject in a .cts file. This makes `module.exports` the default export with the named exports on
// it, and rewrites the .d.cts to match with `export =` and a namespace of the named exports, so that
// `import recover = require(…)`, `const recover = require(…)`, `import { ready } from …` and
// `import recover from …` all type-check and work.
//
//   node ../../scripts/cjs-default-export.mjs dist/index     (the build's path without extension)
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import ts from 'typescript';

const base = resolve(process.argv[2] ?? 'dist/index');
const NAMESPACE = '_default';

rewriteScript(`${base}.cjs`);
const loaded = createRequire(import.meta.url)(`${base}.cjs`);
check(loaded);
rewriteDeclarations(`${base}.d.cts`, new Set(Object.keys(loaded)));

function rewriteScript(file) {
  const code = readFileSync(file, 'utf8');
  const line = 'module.exports = Object.assign(module.exports.default, module.exports);';
  if (code.includes(line)) return;
  // Before the source map comment, which stays last.
  const at = code.lastIndexOf('\n//# sourceMappingURL=');
  const end = at === -1 ? code.length : at;
  const added = `\n// require() gives the default export, with the named exports on it.\n${line}`;
  writeFileSync(file, code.slice(0, end) + added + code.slice(end));
}

/** `values`: the names the build exports at run time; any other re-exported name is a type. */
function rewriteDeclarations(file, values) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const kept = [];
  const locals = [];
  const reexports = [];
  for (const statement of source.statements) {
    if (ts.isExportAssignment(statement)) return; // already rewritten
    if (!ts.isExportDeclaration(statement)) {
      if (ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Export) fail(`an inline export: ${statement.getText()}`);
      kept.push(statement.getFullText());
      continue;
    }
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause)) fail(`export *: ${statement.getText()}`);
    const names = statement.exportClause.elements.map((element) => ({
      local: (element.propertyName ?? element.name).text,
      exported: element.name.text,
    }));
    if (statement.moduleSpecifier) reexports.push({ from: statement.moduleSpecifier.text, names });
    else locals.push(...names);
  }
  const byDefault = locals.find(({ exported }) => exported === 'default');
  if (!byDefault) fail('no default export');
  if (source.text.includes(NAMESPACE) || source.text.includes('_reexport')) fail(`the names ${NAMESPACE} or _reexport are taken`);

  const imports = reexports.map(({ from }, index) => `import * as _reexport${index} from ${JSON.stringify(from)};`);
  const members = [
    `    export { ${locals.map(({ local, exported }) => (local === exported ? local : `${local} as ${exported}`)).join(', ')} };`,
    ...reexports.flatMap(({ names }, index) =>
      names.map(({ local, exported }) =>
        values.has(exported) ? `    export import ${exported} = _reexport${index}.${local};` : `    export type ${exported} = _reexport${index}.${local};`,
      ),
    ),
  ];
  const { local } = byDefault;
  writeFileSync(
    file,
    `${imports.join('\n')}\n${kept.join('')}

/** CommonJS: the module is ${'`'}${local}${'`'}, with the named exports on it. */
declare function ${NAMESPACE}(...args: Parameters<typeof ${local}>): ReturnType<typeof ${local}>;
declare namespace ${NAMESPACE} {
${members.join('\n')}
}
export = ${NAMESPACE};
`,
  );
}

/** The rewritten build is the default export, and carries every named export. */
function check(loaded) {
  if (loaded !== loaded.default) fail('require() does not give the default export');
  for (const name of ['default', ...Object.keys(loaded)]) if (loaded[name] === undefined) fail(`${name} missing`);
}

function fail(message) {
  throw new Error(`cjs-default-export: ${message}`);
}
