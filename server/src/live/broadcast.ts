// Subscriptions that are the same operation (same workspace, scopes, document and variables) form one
// group: the group holds ONE bus subscription, executes each change ONCE, and hands the result to
// every member. A member is a small push queue that graphql-ws iterates; it costs no bus listener,
// no async-generator chain and no execution of its own, so 1,000 dashboards watching failures cost
// about what one does, plus one socket write each.
//
// Executions of consecutive changes overlap (their loads batch) and are delivered in order. Each runs
// with a context made for its moment (contexts are shared only by changes arriving together), so no
// DataLoader or identity map serves a row as it was when the socket subscribed.
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute, GraphQLError } from 'graphql';

export interface BroadcastRoot {
  /** A new context for executing changes (the subscriber's viewer, fresh loaders and EntityManager). */
  freshContext(): Promise<unknown>;
  /** Masks unexpected errors as the HTTP path does. */
  mask(result: ExecutionResult): ExecutionResult;
  /** Subscriptions with the same key receive the same results; null: this one runs alone. */
  shareKey: string | null;
  /** Called when this member's queue overflows (a consumer that stopped reading): drop it. */
  overflow(): void;
}

export interface BroadcastOptions {
  /** Results queued for one member before it counts as a consumer that stopped reading. */
  maxQueued: number;
  /** Told the number of groups whenever it changes (a gauge). */
  onGroups?(groups: number): void;
}

type Pending = { resolve(r: IteratorResult<ExecutionResult>): void; reject(err: unknown): void };

class Member implements AsyncIterableIterator<ExecutionResult> {
  readonly #queue: ExecutionResult[] = [];
  #waiting: Pending | null = null;
  #done = false;
  #error: unknown = null;
  readonly #leave: (m: Member) => void;
  readonly #overflow: () => void;
  readonly #maxQueued: number;

  constructor(leave: (m: Member) => void, overflow: () => void, maxQueued: number) {
    this.#leave = leave;
    this.#overflow = overflow;
    this.#maxQueued = maxQueued;
  }

  push(result: ExecutionResult): void {
    if (this.#done) return;
    const w = this.#waiting;
    if (w) {
      this.#waiting = null;
      w.resolve({ value: result, done: false });
    } else if (this.#queue.length >= this.#maxQueued) {
      this.#queue.length = 0;
      this.#overflow();
    } else this.#queue.push(result);
  }

  /** The group ended (its source finished or failed): pending and later reads see the end or the error. */
  end(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error ?? null;
    const w = this.#waiting;
    this.#waiting = null;
    if (!w) return;
    if (error) w.reject(error);
    else w.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#error) return Promise.reject(this.#error);
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.#queue.length = 0;
    this.end();
    this.#leave(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

interface Group {
  members: Set<Member>;
  source: AsyncGenerator<unknown>;
}

export class Broadcaster {
  readonly #groups = new Map<string, Group>();
  readonly #maxQueued: number;
  readonly #onGroups: (n: number) => void;
  /** Names the groups of subscriptions that share with nobody. */
  #alone = 0;

  constructor(opts: BroadcastOptions) {
    this.#maxQueued = opts.maxQueued;
    this.#onGroups = opts.onGroups ?? (() => undefined);
  }

  /** Operations being executed (one per distinct operation, however many subscribe to it). */
  groups(): number {
    return this.#groups.size;
  }

  /** graphql-ws's `subscribe`: the subscriber's stream of results, or the errors that refused it. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const root = args.rootValue as BroadcastRoot;
    const key = root.shareKey ?? `alone:${++this.#alone}`;
    let group = this.#groups.get(key);
    if (!group) {
      // The subscribe resolver runs once per group: it checks the arguments and opens the bus subscription.
      const stream = await createSourceEventStream(args);
      if (!(Symbol.asyncIterator in (stream as object))) return stream as ExecutionResult;
      const source = stream as AsyncGenerator<unknown>;
      group = this.#groups.get(key);
      // Another subscriber of the same operation started its group meanwhile: join that one.
      if (group) void source.return?.(undefined);
      else group = this.#start(key, source, args);
    }
    const g = group;
    const member = new Member((m) => this.#leave(key, g, m), root.overflow, this.#maxQueued);
    g.members.add(member);
    return member;
  }

  #leave(key: string, group: Group, member: Member): void {
    if (!group.members.delete(member) || group.members.size > 0) return;
    this.#forget(key, group);
    void group.source.return?.(undefined);
  }

  #forget(key: string, group: Group): void {
    if (this.#groups.get(key) !== group) return;
    this.#groups.delete(key);
    this.#onGroups(this.#groups.size);
  }

  #start(key: string, source: AsyncGenerator<unknown>, args: ExecutionArgs): Group {
    const group: Group = { members: new Set(), source };
    this.#groups.set(key, group);
    this.#onGroups(this.#groups.size);
    const root = args.rootValue as BroadcastRoot;
    // Changes that arrive together (one publish loop, one tick) share a context, so their loads batch.
    let tickContext: Promise<unknown> | null = null;
    const contextNow = () => {
      if (!tickContext) {
        tickContext = root.freshContext();
        setImmediate(() => {
          tickContext = null;
        });
      }
      return tickContext;
    };
    const run = async (message: unknown): Promise<ExecutionResult> => {
      try {
        // graphql's own execute: Yoga's would route a subscription document back to subscribe.
        return root.mask(await execute({ ...args, rootValue: message, contextValue: await contextNow() }));
      } catch (err) {
        return root.mask({ errors: [new GraphQLError('Internal error', { originalError: err as Error })] });
      }
    };
    void (async () => {
      let delivered: Promise<void> = Promise.resolve();
      let failure: unknown = null;
      try {
        for await (const message of source) {
          const result = run(message);
          delivered = delivered.then(async () => {
            const r = await result;
            for (const m of group.members) m.push(r);
          });
        }
      } catch (err) {
        failure = err;
      }
      await delivered;
      this.#forget(key, group);
      for (const m of group.members) m.end(failure ?? undefined);
    })();
    return group;
  }
}
