// Benchmark servers as child processes (bench/server.mjs), one per (framework, variant, Node binary), and
// the Node binaries themselves. Every child is tracked and killed when the driver exits, however it exits.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('../server.mjs', import.meta.url));
const START_TIMEOUT = 30_000;
const STOP_TIMEOUT = 15_000;
const REPLY_TIMEOUT = 30_000;

const children = new Set();

/** Kills every child still running (SIGKILL): for exits and failures of the driver. */
export function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

/**
 * Resolves BENCH_NODES entries to binaries: `20`, `24`… (the running Node if its major matches, else
 * `npx -y node@N -p process.execPath`, the registry's `node` package), `current`, or a path to a binary.
 */
export function resolveNode(entry) {
  let bin;
  if (entry === 'current' || entry === process.versions.node.split('.')[0]) bin = process.execPath;
  else if (entry.includes('/')) bin = entry;
  else if (/^\d+$/.test(entry)) {
    bin = execFileSync('npx', ['-y', `node@${entry}`, '-p', 'process.execPath'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 300_000 }).trim();
  } else {
    throw new TypeError(`BENCH_NODES: "${entry}" is not a major version, "current" or a path`);
  }
  const version = execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  return { entry, bin, version, major: Number(version.slice(1).split('.')[0]) };
}

/** CPU time (user + system) of a process in seconds, from /proc; undefined where there is no /proc. */
export function cpuSeconds(pid, ticks) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3 (index 0 here); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return undefined;
  }
}

let clockTicks;
export function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * Starts bench/server.mjs for (framework, variant) under `node` with extra Node `flags`, in its own
 * directory under `root` (its pino.log, stdout.log and stderr.log go there). Resolves once it listens.
 */
export async function startServer({ framework, variant, node, flags = [], root, name }) {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const out = openSync(join(dir, 'stdout.log'), 'a');
  const err = openSync(join(dir, 'stderr.log'), 'a');
  const child = spawn(node.bin, [...flags, SERVER, framework, variant, dir], {
    stdio: ['ignore', out, err, 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(out);
  closeSync(err);
  children.add(child);
  const server = {
    framework, variant, node, name, dir, child,
    port: 0,
    url: '',
    exit: undefined,
    /** Resolves with { code, signal, at } when the process ends. */
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        children.delete(child);
        server.exit = { code, signal, at: Date.now() };
        resolve(server.exit);
      });
    }),
    stderr: () => tail(join(dir, 'stderr.log')),
    alive: () => child.exitCode === null && child.signalCode === null,
    cpu: () => cpuSeconds(child.pid, clockTicksPerSecond()),
    ask: (type) => ask(server, type),
    stop: () => stop(server),
    remove: () => { rmSync(dir, { recursive: true, force: true }); },
  };
  child.on('error', () => {}); // reported through `exited`
  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${name}: no 'listening' within ${START_TIMEOUT} ms\n${server.stderr()}`)); }, START_TIMEOUT);
    child.on('message', function onMessage(message) {
      if (message?.type !== 'listening') return;
      child.off('message', onMessage);
      clearTimeout(timer);
      resolve(message);
    });
    void server.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited (code ${code}, signal ${signal}) before listening\n${server.stderr()}`));
    });
  });
  server.port = listening.port;
  server.url = `http://127.0.0.1:${listening.port}`;
  return server;
}

/** Sends { type } over IPC and resolves with the child's reply of the same type. */
function ask(server, type) {
  return new Promise((resolve, reject) => {
    if (!server.alive()) {
      reject(new Error(`${server.name}: not running`));
      return;
    }
    const timer = setTimeout(() => {
      server.child.off('message', onMessage);
      reject(new Error(`${server.name}: no '${type}' reply within ${REPLY_TIMEOUT} ms`));
    }, REPLY_TIMEOUT);
    function onMessage(message) {
      if (message?.type !== type) return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      resolve(message);
    }
    server.child.on('message', onMessage);
    server.child.send({ type });
  });
}

/** Asks the server to exit cleanly (so --cpu-prof writes its profile); SIGKILL if it does not. */
async function stop(server) {
  if (server.alive()) {
    try {
      server.child.send({ type: 'exit' });
    } catch {
      // the channel is already closed: the kill below settles it
    }
    const timer = setTimeout(() => { server.child.kill('SIGKILL'); }, STOP_TIMEOUT);
    await server.exited;
    clearTimeout(timer);
  }
  return server.exit;
}

/** The last 2 KB of a file (a native server's stderr holds every error it printed). */
function tail(file) {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  const length = Math.min(size, 2048);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return `${size > length ? '…' : ''}${buffer.toString('utf8')}`;
}
