// Fails on an import cycle among the source files of any package (packages/*/src), type-only imports
// included: a cycle means two files share a vocabulary that belongs in a third. Run by `npm run lint`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(c|m)?ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The files of the same package a source file imports or re-exports by a relative specifier. */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, false);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier).replace(/\.(c|m)?js$/, '.$1ts'));
}

/** Tarjan's strongly connected components: every component of more than one file is a cycle. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      const selfImport = component.length === 1 && (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfImport) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

const packages = join(root, 'packages');
const problems = [];
let fileCount = 0;
for (const name of readdirSync(packages)) {
  const src = join(packages, name, 'src');
  let files;
  try {
    files = sourceFiles(src);
  } catch {
    continue; // a package without src/
  }
  fileCount += files.length;
  const graph = new Map(files.map((file) => [file, importsOf(file)]));
  for (const component of cycles(graph)) problems.push(component.map((file) => relative(root, file)).sort());
}

if (problems.length > 0) {
  for (const component of problems) console.error(`import cycle: ${component.join(' → ')}`);
  process.exit(1);
}
console.log(`no import cycles in ${fileCount} source files of packages/*/src`);
