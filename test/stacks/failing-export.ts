import { Readable } from 'node:stream';

/** The error a failing export ends with. */
export const EXPORT_FAILURE = 'cursor closed by the database';

/** A body stream that sends some of itself, then fails: a database cursor that dies mid-export. */
export function failingExport(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      sent += 1;
      if (sent <= 2) this.push('row,'.repeat(4096));
      else setTimeout(() => { this.destroy(new Error(EXPORT_FAILURE)); }, 5);
    },
  });
}
