import { createRequire } from 'node:module';
import type * as Api from '@opentelemetry/api';

/** `@opentelemetry/api` when the application has it installed; it is an optional peer dependency. */
export type OtelApi = typeof Api;

let loaded: OtelApi | null | undefined;

/** Loads `@opentelemetry/api` once, on the first error, so importing recover costs nothing. */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
