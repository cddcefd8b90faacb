// Core as a CommonJS application requires it, on a real server: the README's example and guard().
const { guard } = require('@recover/core');
const { createRecover, readiness, sendErrorResponse } = require('@recover/core/adapter');
const { expectCore, exitAfter } = require('./expect.cjs');

exitAfter(expectCore('CJS', { createRecover, readiness, sendErrorResponse, guard }));
