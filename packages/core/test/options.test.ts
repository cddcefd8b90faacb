import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { defaultLevel, type RecoverOptions } from '@recover/core';
import { createRecover } from '@recover/core/adapter';
import { isLogger } from '../src/logging/request-logger.js';
import { resolveOptions } from '../src/options.js';

/** Asserts that `fn` throws a TypeError whose message names `option` (or one of its fields, `"option.field"`). */
function throwsNaming(fn: () => unknown, option: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${String(error)}`);
    assert.match(error.message, new RegExp(`"${option}(\\.\\w+)?"`), `message does not name "${option}": ${error.message}`);
    return true;
  });
}

describe('resolveOptions: defaults', () => {
  for (const given of [undefined, null, {}]) {
    it(`fills in defaults for ${inspect(given)}`, () => {
      const resolved = resolveOptions(given);
      assert.equal(resolved.stackSize, 4096);
      assert.equal(resolved.logger, undefined);
      assert.equal(resolved.expose, undefined);
      assert.equal(resolved.render, undefined);
      assert.equal(resolved.onError, undefined);
      assert.equal(resolved.level(500, 'bug'), 'error');
      assert.equal(resolved.level(503, 'bug'), 'error');
      assert.equal(resolved.level(404, 'bug'), 'info');
      assert.equal(resolved.level(503, 'transient'), 'warn');
      assert.equal(resolved.level(429, 'transient'), 'info');
      assert.equal(resolved.level(500, 'corruption'), 'fatal');
      assert.equal(resolved.classify, undefined);
      assert.equal(resolved.retryAfter, 5);
      assert.deepEqual(resolved.quarantine, { after: 3, window: 60_000, cooldown: 30_000 });
      assert.equal(resolved.process, 'keep-serving');
      assert.equal(resolved.budget, 5);
      assert.equal(resolved.window, 60_000);
      assert.equal(resolved.drainTimeout, 5_000);
      assert.deepEqual(resolved.logLimit, { reports: 10, interval: 10_000 });
      assert.deepEqual(resolved.logHeaders, ['user-agent', 'content-type', 'content-length']);
    });
  }

  it('accepts each process policy and budget settings', () => {
    for (const policy of ['keep-serving', 'restart', false] as const) assert.equal(resolveOptions({ process: policy }).process, policy);
    const resolved = resolveOptions({ budget: 0, window: 1000, drainTimeout: 0 });
    assert.deepEqual([resolved.budget, resolved.window, resolved.drainTimeout], [0, 1000, 0]);
  });

  it('defaultLevel: error for 5xx, info for 4xx', () => {
    assert.equal(defaultLevel(599), 'error');
    assert.equal(defaultLevel(499), 'info');
  });

  it('defaultLevel by class: fatal for corruption, warn for a transient 5xx, info for any 4xx', () => {
    assert.equal(defaultLevel(500, 'corruption'), 'fatal');
    assert.equal(defaultLevel(503, 'transient'), 'warn');
    assert.equal(defaultLevel(502, 'transient'), 'warn');
    assert.equal(defaultLevel(429, 'transient'), 'info');
    assert.equal(defaultLevel(500, 'bug'), 'error');
  });

  it('accepts classify, retryAfter and quarantine, filling in the quarantine fields left out', () => {
    const classify = () => 'bug' as const;
    const resolved = resolveOptions({ classify, retryAfter: 1, quarantine: { after: 1, cooldown: 500 } });
    assert.equal(resolved.classify, classify);
    assert.equal(resolved.retryAfter, 1);
    assert.deepEqual(resolved.quarantine, { after: 1, window: 60_000, cooldown: 500 });
    assert.equal(resolveOptions({ quarantine: false }).quarantine, false);
  });

  it('keeps valid options as given', () => {
    const logger = pino({ enabled: false });
    const level = () => 'warn' as const;
    const resolved = resolveOptions({ logger, stackSize: 0, level });
    assert.equal(resolved.logger, logger);
    assert.equal(resolved.stackSize, 0);
    assert.equal(resolved.level, level);
    assert.equal(resolveOptions({ stackSize: 1024 * 1024 }).stackSize, 1024 * 1024);
  });

  it('accepts keys a framework adds when told to ignore them', () => {
    assert.doesNotThrow(() => resolveOptions({ prefix: '/api' }, ['prefix']));
    throwsNaming(() => resolveOptions({ prefix: '/api' }), 'prefix');
  });
});

describe('resolveOptions: a bad option throws a TypeError naming it', () => {
  it('an unknown key (a typo) is named, with the known options listed', () => {
    assert.throws(() => resolveOptions({ stacksize: 10 }), {
      name: 'TypeError',
      message: /unknown option "stacksize".*stackSize/,
    });
  });

  const bad: [option: string, value: unknown][] = [
    ['stackSize', -1],
    ['stackSize', 1.5],
    ['stackSize', '4096'],
    ['stackSize', Number.NaN],
    ['stackSize', Number.POSITIVE_INFINITY],
    ['stackSize', 1024 * 1024 + 1],
    ['stackSize', null],
    ['logger', 'pino'],
    ['logger', {}],
    ['logger', { error() {}, info() {} }], // no warn
    ['logger', { error: 'x', warn() {}, info() {} }],
    ['logger', null],
    ['expose', true],
    ['render', 'html'],
    ['onError', {}],
    ['level', 'warn'], // a common mistake: a level name where a function is expected
    ['process', true],
    ['process', 'exit'],
    ['process', 'keepServing'],
    ['budget', -1],
    ['budget', 2.5],
    ['window', 0],
    ['window', '60s'],
    ['drainTimeout', -1],
    ['drainTimeout', 60 * 60_000],
    ['logHeaders', 'user-agent'],
    ['logHeaders', ['user-agent', 42]],
    ['logHeaders', ['authorization']],
    ['logHeaders', ['Cookie']],
    ['logHeaders', ['X-API-Key']],
    ['logHeaders', ['x-github-token']],
    ['logLimit', true],
    ['logLimit', { reports: -1 }],
    ['logLimit', { interval: 0 }],
    ['report', { dir: '' }],
    ['report', '/tmp/reports'],
    ['classify', 'transient'],
    ['classify', {}],
    ['retryAfter', 0],
    ['retryAfter', 2.5],
    ['retryAfter', '5'],
    ['retryAfter', 86_401],
    ['quarantine', true],
    ['quarantine', []],
    ['quarantine', { after: 0 }],
    ['quarantine', { window: -1 }],
    ['quarantine', { cooldown: '30s' }],
  ];
  for (const [option, value] of bad) {
    it(`${option}: ${inspect(value)}`, () => {
      throwsNaming(() => resolveOptions({ [option]: value }), option);
      // A known option with a bad value, not an unknown one: the message says what it must be.
      assert.throws(() => resolveOptions({ [option]: value }), { message: /must|never logged/ });
    });
  }

  for (const options of ['verbose', 42, [], true]) {
    it(`options that are not an object (${inspect(options)}) throw a TypeError`, () => {
      assert.throws(() => resolveOptions(options), { name: 'TypeError', message: /options must be an object/ });
    });
  }

  it('createRecover validates at creation, before any error happens', () => {
    throwsNaming(() => createRecover({ level: 'warn' } as unknown as RecoverOptions), 'level');
    throwsNaming(() => createRecover({ stackSize: -5 }), 'stackSize');
    throwsNaming(() => createRecover({ onErorr: () => undefined } as unknown as RecoverOptions), 'onErorr');
  });
});

describe('isLogger', () => {
  it('accepts a pino logger, a child logger and console', () => {
    const logger = pino({ enabled: false });
    assert.equal(isLogger(logger), true);
    assert.equal(isLogger(logger.child({ a: 1 })), true);
    assert.equal(isLogger(console), true);
  });

  it('rejects values without error, warn and info methods', () => {
    for (const value of [null, undefined, 'pino', () => undefined, { error() {}, warn() {} }]) {
      assert.equal(isLogger(value), false);
    }
  });
});
