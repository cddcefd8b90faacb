import { defineConfig } from 'tsup';
import { base } from '../../tsup.base.js';

export default defineConfig({
  ...base,
  entry: ['src/index.ts', 'src/adapter.ts'],
  // One copy of each module shared by both entry points, in the CommonJS build too.
  splitting: true,
});
