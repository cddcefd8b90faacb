import { createRequire } from 'node:module';

/**
 * Node's `require` for this module: from `import.meta.url` in an ES module, or the module's own `require`
 * once a bundler (esbuild, webpack, ncc) has turned it into CommonJS and left `import.meta.url` empty.
 * Undefined where neither exists.
 */
export function nodeRequire(): NodeJS.Require | undefined {
  try {
    return createRequire(import.meta.url);
  } catch {
    return typeof require === 'function' ? require : undefined;
  }
}
