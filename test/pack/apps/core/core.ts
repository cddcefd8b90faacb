// The core README's snippets, type-checked.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { guard, type RecoverOptions, type RecoverReport } from '@recover/core';
import { createRecover, sendErrorResponse } from '@recover/core/adapter';

declare function handle(request: IncomingMessage, response: ServerResponse): void;

const options: RecoverOptions = { stackSize: 8192, onError: (report: RecoverReport) => void report.traceId };
const recover = createRecover(options);
createServer((request, response) => {
  try {
    handle(request, response);
  } catch (thrown) {
    const answer = recover.handle(thrown, { request, response });
    if (answer) sendErrorResponse(response, answer);
  }
}).listen(3000);

const sweep = guard('sessions.sweep', async () => { await Promise.resolve(); });
setInterval(() => void sweep(), 60_000);
