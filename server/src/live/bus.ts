// The live bus: in-process by default; with REDIS_URL, through Redis pub/sub so a subscriber on one
// replica sees changes made on another. Messages carry IDs and filter fields only, on one channel per
// workspace (lifecycle, settings and key changes also on an all-workspaces channel for the server's own
// listeners); failures are also sent on their own channel so failure feeds are not woken by every delivery.
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from '@graphql-yoga/subscription';
import type { LiveBus, LiveTopics } from '@switchboard/schema';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

/** The server's side of the bus: what the API publishes and subscribes to, plus listeners for its own caches. */
export interface ServerLiveBus extends LiveBus {
  /**
   * Calls `fn` for every message on `topic` from any workspace: synchronously when this process publishes
   * it (so a revocation or an edit takes effect here before the mutation answers), and again when it
   * comes back from Redis, as every other replica's messages do. `fn` must be idempotent (it invalidates
   * caches). Returns a function that stops listening.
   */
  listen<K extends keyof LiveTopics>(topic: K, fn: (message: LiveTopics[K]) => void): () => void;
}

export interface LiveBusHandle {
  bus: ServerLiveBus;
  kind: 'in-process' | 'redis';
  close(): Promise<void>;
}

type Channels = { [K in keyof LiveTopics]: [workspaceId: string, message: LiveTopics[K]] } & {
  [K in keyof LiveTopics as `${K}:all`]: [message: LiveTopics[K]];
};

/** Topics also published on an all-workspaces channel, for the server's own listeners (caches, the worker). */
const ALL_WORKSPACES_TOPICS: ReadonlySet<keyof LiveTopics> = new Set(['integration:state', 'integration:changed', 'apikey:revoked']);

export function createLiveBus(redisUrl: string | undefined, logger: Logger, metrics: Metrics): LiveBusHandle {
  let eventTarget: EventTarget;
  let closeRedis: () => Promise<void> = async () => {};
  if (redisUrl) {
    const options = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
    const publishClient = new Redis(redisUrl, options);
    const subscribeClient = new Redis(redisUrl, options);
    for (const c of [publishClient, subscribeClient])
      c.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
    closeRedis = async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    };
  } else {
    eventTarget = new EventTarget();
    // One listener per subscription: thousands are expected, not a leak.
    setMaxListeners(0, eventTarget);
  }
  const pubsub = createPubSub<Channels>({ eventTarget: eventTarget as never });
  const publishOne = (topic: keyof LiveTopics, message: LiveTopics[keyof LiveTopics]) => {
    metrics.livePublished.inc({ topic });
    (pubsub.publish as (t: string, ...a: unknown[]) => void)(topic, message.workspaceId, message);
    // Only the server's own listeners read across workspaces, and only these topics: event changes
    // (thousands a second) travel once, on their workspace's channel.
    if (ALL_WORKSPACES_TOPICS.has(topic)) (pubsub.publish as (t: string, ...a: unknown[]) => void)(`${topic}:all`, message);
  };
  const listeners = new Map<keyof LiveTopics, Set<(message: never) => void>>();
  const notify = (topic: keyof LiveTopics, message: LiveTopics[keyof LiveTopics]) => {
    for (const fn of listeners.get(topic) ?? []) {
      try {
        fn(message as never);
      } catch (err) {
        logger.error({ err, topic }, 'live bus listener failed');
      }
    }
  };
  const remoteFeeds = new Set<AsyncGenerator<unknown>>();
  const bus: ServerLiveBus = {
    publish(topic, message) {
      notify(topic, message);
      publishOne(topic, message);
      if (topic === 'event:changed') {
        const m = message as LiveTopics['event:changed'];
        if (m.status === 'FAILED' || m.status === 'RETRYING') publishOne('event:failed', m);
      }
    },
    subscribe(topic, workspaceId) {
      if (workspaceId === undefined && !ALL_WORKSPACES_TOPICS.has(topic))
        throw new Error(`${topic} has no all-workspaces channel; subscribe to one workspace`);
      const sub = pubsub.subscribe as unknown as (t: string, id?: string) => AsyncGenerator<never>;
      return workspaceId === undefined ? sub(`${topic}:all`) : sub(topic, workspaceId);
    },
    listen(topic, fn) {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
      }
      set.add(fn as (message: never) => void);
      // In-process, every message is published here and has already reached the listener; through
      // Redis, other replicas' messages arrive on the all-workspaces channel.
      let feed: AsyncGenerator<LiveTopics[typeof topic], void> | undefined;
      if (redisUrl) {
        const f = bus.subscribe(topic);
        feed = f;
        remoteFeeds.add(f);
        void (async () => {
          for await (const m of f) {
            try {
              fn(m);
            } catch (err) {
              logger.error({ err, topic }, 'live bus listener failed');
            }
          }
        })().catch((err: unknown) => logger.warn({ err, topic }, 'live bus listener feed ended'));
      }
      return () => {
        set.delete(fn as (message: never) => void);
        if (feed) {
          remoteFeeds.delete(feed);
          void feed.return(undefined);
        }
      };
    },
  };
  return {
    bus,
    kind: redisUrl ? 'redis' : 'in-process',
    async close() {
      for (const f of remoteFeeds) await f.return(undefined);
      remoteFeeds.clear();
      await closeRedis();
    },
  };
}
