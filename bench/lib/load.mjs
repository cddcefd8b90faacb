// Load over loopback: autocannon, driven programmatically, for throughput and latency; and a plain
// counting client for availability, where autocannon's own counts do not fit (connections the server
// closes, a server that dies).
import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';

/**
 * Runs autocannon against `url` for `duration` seconds (or `amount` requests) with `connections`
 * connections, pipelining 1. Returns requests/s (autocannon's mean of its per-second samples), the
 * latency percentiles computed here from every response's own time (autocannon's histogram has 1 ms
 * steps, too coarse for a 3 % target), status counts, errors, and the server's CPU time during the run.
 */
export function load({ url, duration, amount, connections, server, latencies = true, guardSeconds }) {
  return new Promise((resolve, reject) => {
    const times = [];
    const cpuBefore = server?.cpu();
    const started = process.hrtime.bigint();
    const options = { url, connections, pipelining: 1, timeout: 10 };
    if (amount) options.amount = amount;
    else options.duration = duration;
    const instance = autocannon(options, (error, result) => {
      clearTimeout(guard);
      if (error) {
        reject(error);
        return;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuAfter = server?.cpu();
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const completed = result.requests.total;
      resolve({
        rps: amount ? completed / seconds : result.requests.average,
        completed,
        seconds,
        p50: percentile(times, 0.5),
        p99: percentile(times, 0.99),
        statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
        errors: result.errors,
        timeouts: result.timeouts,
        cpu,
        cpuShare: cpu === undefined ? undefined : cpu / seconds,
        cpuPerRequestUs: cpu === undefined || completed === 0 ? undefined : (cpu * 1e6) / completed,
      });
    });
    if (latencies) {
      instance.on('response', (_client, _status, _bytes, time) => { times.push(time); });
    }
    // autocannon stops on its own; this only keeps a wedged run from hanging the whole benchmark.
    const limit = guardSeconds ?? (amount ? 3600 : duration + 60);
    const guard = setTimeout(() => {
      instance.stop();
      reject(new Error(`autocannon on ${url} did not finish within ${limit} s`));
    }, limit * 1000);
  });
}

function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/**
 * Sends exactly `count` GET requests to `url`, `concurrency` at a time, each settled within `timeout` ms,
 * and counts what came back: answered (any status) by status, and the failures by error code.
 */
export async function availability({ url, count, concurrency, timeout = 5000 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result = { sent: 0, answered: 0, statuses: {}, failures: {}, seconds: 0 };
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      result.sent++;
      const outcome = await once(agent, url, timeout);
      if (outcome.status) {
        result.answered++;
        result.statuses[outcome.status] = (result.statuses[outcome.status] ?? 0) + 1;
      } else {
        result.failures[outcome.error] = (result.failures[outcome.error] ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

function once(agent, url, timeout) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = httpRequest(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => { finish({ status: res.statusCode }); });
      res.on('error', () => { finish({ error: 'response error' }); });
      res.on('aborted', () => { finish({ error: 'aborted' }); });
    });
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      req.destroy();
    }, timeout);
    req.on('error', (error) => { finish({ error: error.code ?? error.message }); });
    req.end();
  });
}

/** A plain GET, for checks: resolves with the status, or 0 if there is no answer. */
export async function probe(url, timeout = 5000) {
  const agent = new Agent({ keepAlive: false });
  try {
    const outcome = await once(agent, url, timeout);
    return outcome.status ?? 0;
  } finally {
    agent.destroy();
  }
}
