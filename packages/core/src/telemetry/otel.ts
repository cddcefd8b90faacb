import type * as Api from '@opentelemetry/api';
import { nodeRequire } from '../util/node-require.js';

/** `@opentelemetry/api` when the application has it installed; it is an optional peer dependency. */
export type OtelApi = typeof Api;

let loaded: OtelApi | null | undefined;

/** Loads `@opentelemetry/api` once, on the first error, so importing recover costs nothing. */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = (nodeRequire()?.('@opentelemetry/api') as OtelApi | undefined) ?? null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
