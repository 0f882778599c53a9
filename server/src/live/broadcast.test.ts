// The subscription groups on a small schema of their own (graphql-js, no server): one source and one
// execution per change for identical operations, order kept, a full queue reported, a failing source
// ending every member with its error, and the group let go when its last member leaves.
import { type ExecutionArgs, type ExecutionResult, GraphQLInt, GraphQLObjectType, GraphQLSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type BroadcastRoot, Broadcaster } from './broadcast.ts';

function harness() {
  let sources = 0;
  let executions = 0;
  let push: (n: number) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  let ended = 0;
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLInt, resolve: () => 1 } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        tick: {
          type: GraphQLInt,
          subscribe: () => {
            sources++;
            // A push source that, like the bus's, can be ended while a read is pending.
            const queue: number[] = [];
            let waiting: { resolve(r: IteratorResult<number>): void; reject(e: unknown): void } | null = null;
            let done = false;
            push = (n) => {
              if (waiting) {
                const w = waiting;
                waiting = null;
                w.resolve({ value: n, done: false });
              } else queue.push(n);
            };
            fail = (err) => {
              const w = waiting;
              waiting = null;
              w?.reject(err);
            };
            const source: AsyncIterableIterator<number> = {
              next: () => {
                const n = queue.shift();
                if (n !== undefined) return Promise.resolve({ value: n, done: false });
                if (done) return Promise.resolve({ value: undefined, done: true });
                return new Promise((resolve, reject) => {
                  waiting = { resolve, reject };
                });
              },
              return: () => {
                if (!done) ended++;
                done = true;
                waiting?.resolve({ value: undefined, done: true });
                waiting = null;
                return Promise.resolve({ value: undefined, done: true });
              },
              [Symbol.asyncIterator]() {
                return source;
              },
            };
            return source;
          },
          resolve: (n: number) => {
            executions++;
            return n;
          },
        },
      },
    }),
  });
  const args = (shareKey: string, overflow: () => void = () => undefined): ExecutionArgs => ({
    schema,
    document: parse('subscription { tick }'),
    rootValue: {
      freshContext: async () => ({}),
      mask: (r: ExecutionResult) => r,
      shareKey,
      overflow,
    } satisfies BroadcastRoot,
  });
  return { args, push: (n: number) => push(n), fail: (e: Error) => fail(e), counts: () => ({ sources, executions, ended }) };
}

const tick = async (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('Broadcaster', () => {
  it('runs one source and one execution per change for identical subscriptions, in order', async () => {
    const h = harness();
    const b = new Broadcaster({ maxQueued: 100 });
    const members: AsyncIterableIterator<ExecutionResult>[] = [];
    for (let k = 0; k < 3; k++) members.push((await b.subscribe(h.args('same'))) as AsyncIterableIterator<ExecutionResult>);
    expect(b.groups()).toBe(1);
    for (const n of [1, 2, 3]) h.push(n);
    for (const m of members) {
      const seen = [];
      for (let k = 0; k < 3; k++) seen.push((await m.next()).value?.data?.tick);
      expect(seen).toEqual([1, 2, 3]);
    }
    expect(h.counts()).toMatchObject({ sources: 1, executions: 3 });
    for (const m of members) await m.return?.();
    await tick();
    expect(b.groups()).toBe(0);
    expect(h.counts().ended).toBe(1);
  });

  it('subscribers arriving together still end up in one group (the extra sources are closed)', async () => {
    const h = harness();
    const b = new Broadcaster({ maxQueued: 10 });
    const members = await Promise.all([1, 2, 3].map(() => b.subscribe(h.args('same'))));
    expect(b.groups()).toBe(1);
    await tick();
    const { sources, ended } = h.counts();
    expect(sources - ended).toBe(1);
    for (const m of members) await (m as AsyncIterableIterator<ExecutionResult>).return?.();
  });

  it('reports a member whose queue is full, and keeps serving the others', async () => {
    const h = harness();
    const b = new Broadcaster({ maxQueued: 3 });
    let overflowed = 0;
    const slow = (await b.subscribe(h.args('k', () => overflowed++))) as AsyncIterableIterator<ExecutionResult>;
    const fast = (await b.subscribe(h.args('k'))) as AsyncIterableIterator<ExecutionResult>;
    const fastSeen: number[] = [];
    const reading = (async () => {
      for await (const r of fast) {
        fastSeen.push(r.data?.tick as number);
        if (fastSeen.length === 5) break;
      }
    })();
    for (const n of [1, 2, 3, 4, 5]) {
      h.push(n);
      await tick(1);
    }
    await reading;
    expect(fastSeen).toEqual([1, 2, 3, 4, 5]);
    expect(overflowed).toBe(1);
    await slow.return?.();
  });

  it('ends every member with the source’s error, and a later subscriber starts a new group', async () => {
    const h = harness();
    const b = new Broadcaster({ maxQueued: 10 });
    const a = (await b.subscribe(h.args('k'))) as AsyncIterableIterator<ExecutionResult>;
    const c = (await b.subscribe(h.args('k'))) as AsyncIterableIterator<ExecutionResult>;
    const pending = [a.next(), c.next()];
    h.fail(new Error('bus gone'));
    for (const p of pending) await expect(p).rejects.toThrow('bus gone');
    await tick();
    expect(b.groups()).toBe(0);
    await b.subscribe(h.args('k'));
    expect(b.groups()).toBe(1);
    expect(h.counts().sources).toBe(2);
  });
});
