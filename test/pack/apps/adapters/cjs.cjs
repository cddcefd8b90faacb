// The adapters as a CommonJS application requires them, on real servers.
const express = require('@recover/express');
// The module is the plugin itself, as with every @fastify/* plugin: `await app.register(recover)`.
const recover = require('@recover/fastify');
const koa = require('@recover/koa');
const { expectAdapters, exitAfter } = require('./expect.cjs');

exitAfter(expectAdapters('CJS', { express, fastify: { plugin: recover, ready: recover.ready, guard: recover.guard }, koa }));
