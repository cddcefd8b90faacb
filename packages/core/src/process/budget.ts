import type { ResolvedOptions } from '../internal-types.js';
import { state } from './state.js';

/**
 * Spends one escaped crash and says whether it takes the process down: always under `'restart'`; under
 * `'keep-serving'` once more than `budget` escapes fall within `window`, because repeated escapes mean
 * state nobody can trust. The budget is the process's, shared by every recover instance and copy.
 */
export function goingDown(options: Pick<ResolvedOptions, 'process' | 'budget' | 'window'>): boolean {
  const { process: policy, budget, window } = options;
  if (policy === 'restart') return true;
  const now = Date.now();
  const crashes = state.crashes;
  crashes.push(now);
  while (crashes.length > 0 && (crashes[0] as number) <= now - window) crashes.shift();
  if (crashes.length > budget + 1) crashes.shift();
  return crashes.length > budget;
}
