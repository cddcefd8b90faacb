// Lints each `project=config` pair given, as `eslint .` in `project` with `config` as its eslint.config.js
// would, in one process so the TypeScript programs are built once. Prints one JSON line per pair:
// { project, config, messages: ['rule severity file', …] } or { project, config, fatal } when ESLint stops
// with an error (`eslint .` exits 2).
import { relative } from 'node:path';
import { ESLint } from 'eslint';

for (const pair of process.argv.slice(2)) {
  const [project = '', config = ''] = pair.split('=');
  try {
    const results = await new ESLint({ cwd: project, overrideConfigFile: config }).lintFiles(['.']);
    const messages = results.flatMap(({ filePath, messages: found }) =>
      found.map(({ ruleId, severity }) => `${ruleId ?? 'fatal'} ${severity === 2 ? 'error' : 'warning'} ${relative(project, filePath)}`),
    );
    console.log(JSON.stringify({ project, config, messages: messages.sort() }));
  } catch (error) {
    console.log(JSON.stringify({ project, config, fatal: String(error) }));
  }
}
