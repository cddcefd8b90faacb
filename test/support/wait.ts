import assert from 'node:assert/strict';

/**
 * Polls until `find` returns something (not `undefined` or `false`) and returns it; fails the test with
 * `what` after `timeout` ms. For what arrives after the response: access lines, late log lines, a child's output.
 */
export async function waitFor<T>(find: () => T | false | undefined, what: string, timeout = 3000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
