// Core as an ES module application imports it, on a real server: the README's example and guard().
import { guard } from '@recover/core';
import { createRecover, readiness, sendErrorResponse } from '@recover/core/adapter';
import expectations from './expect.cjs';

expectations.exitAfter(expectations.expectCore('ESM', { createRecover, readiness, sendErrorResponse, guard }));
