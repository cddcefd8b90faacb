// The Fastify README's snippets, type-checked as an ES module application writes them.
import Fastify from 'fastify';
import recover, { bindToRequest, guard, ready, recover as named, type RecoverOptions } from '@recover/fastify';

const app = Fastify({ logger: true });
await app.register(recover);
await app.register(named, { stackSize: 0 } satisfies RecoverOptions);
app.get('/ready', ready());
void bindToRequest(() => undefined);
void guard('job', () => undefined)();
