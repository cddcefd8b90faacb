import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { types } from 'node:util';
import type { DiagnosticReportOptions } from '../internal-types.js';
import type { Logger } from '../types.js';
import { writeStderr } from '../logging/write.js';
import { state } from './state.js';

/**
 * Option `report`: writes Node's diagnostic report (`process.report`: JS and native stacks, heap, handles,
 * libuv) for an escaped crash, the Go pprof-on-panic habit. Off the request's critical path (after the
 * answer, on `setImmediate`), compact JSON, environment variables removed (they hold secrets), file mode
 * 0600, and at most one per `interval` so a crash loop cannot fill the disk.
 */
export function scheduleDiagnosticReport(options: DiagnosticReportOptions, thrown: unknown, logger: Logger): void {
  const reports = state.diagnosticReports;
  const now = Date.now();
  if (reports.lastWritten !== undefined && now - reports.lastWritten < options.interval) return;
  reports.lastWritten = now;
  const task = new Promise<void>((resolve) => {
    setImmediate(() => {
      writeDiagnosticReport(options.dir, thrown).then(
        (path) => {
          try {
            logger.info({ report: path }, 'recover: diagnostic report written');
          } catch {
            // the file is what matters
          }
        },
        (failure: unknown) => {
          writeStderr('warn', { reportDir: options.dir }, 'recover: writing the diagnostic report failed', failure);
        },
      ).finally(resolve);
    });
  });
  reports.pending.add(task);
  void task.finally(() => reports.pending.delete(task));
}

/** Resolves when the reports being written are on disk: a restart waits for them before exiting. */
export function diagnosticReportsWritten(): Promise<void> {
  return Promise.all(state.diagnosticReports.pending).then(() => undefined);
}

async function writeDiagnosticReport(dir: string, thrown: unknown): Promise<string> {
  const report = process.report.getReport(types.isNativeError(thrown) ? thrown : undefined) as unknown as Record<string, unknown>;
  withoutEnvironment(report);
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const written = (state.diagnosticReports.written += 1);
  const path = join(dir, `report.${stamp}.${process.pid}.${written}.json`);
  await writeFile(path, JSON.stringify(report), { mode: 0o600 });
  return path;
}

/** Removes environment variables from the report and from each worker thread's section of it. */
function withoutEnvironment(report: Record<string, unknown>): void {
  delete report.environmentVariables;
  if (Array.isArray(report.workers)) {
    for (const worker of report.workers as unknown[]) {
      if (typeof worker === 'object' && worker !== null) withoutEnvironment(worker as Record<string, unknown>);
    }
  }
}
