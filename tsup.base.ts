import type { Options } from 'tsup';

/**
 * What every package's build shares: ES module and CommonJS builds for Node 20, their declarations, and
 * source maps that name the original files and lines without embedding the sources (which are not
 * published), so a stack trace under `--enable-source-maps` points at `src/…ts` at a fraction of the size.
 */
export const base: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  shims: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
};
