// The Fastify README's CommonJS forms in a .cts file: the module is the plugin itself.
import Fastify = require('fastify');
import recover = require('@recover/fastify');
import { ready, type RecoverOptions } from '@recover/fastify';

const required = require('@recover/fastify');
const options: recover.RecoverOptions & RecoverOptions = { stackSize: 0 };

async function main(): Promise<void> {
  const app = Fastify({ logger: true });
  await app.register(recover);
  await app.register(recover, options);
  await app.register(recover.recover);
  await app.register(required);
  app.get('/ready', ready());
  app.get('/ready-too', recover.ready());
  await app.close();
}
void main();
