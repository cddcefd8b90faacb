import type { Linter } from 'eslint';

/** Options of {@link recoverConfig}. */
export interface RecoverConfigOptions {
  /** Globs the preset applies to. Default: `['**\/*.{ts,tsx,mts,cts}']`. */
  files?: string[] | undefined;
  /** Root the project service resolves tsconfig files from; pass `import.meta.dirname` in a monorepo. */
  tsconfigRootDir?: string | undefined;
}

/** The files the preset lints with type information by default. */
export declare const TS_FILES: string[];

/** The preset for the given files and tsconfig root, as a flat config array. */
export declare function recoverConfig(options?: RecoverConfigOptions): Linter.Config[];

/** The preset with its defaults: spread it into `eslint.config.js`. */
export declare const recover: Linter.Config[];

export default recover;
