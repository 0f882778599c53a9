// The live bus: in-process by default; with REDIS_URL, through Redis pub/sub so a subscriber on one
// replica sees changes made on another. Messages carry IDs and filter fields only.
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from '@graphql-yoga/subscription';
import type { LiveBus, LiveTopics } from '@switchboard/schema';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

export interface LiveBusHandle {
  bus: LiveBus;
  kind: 'in-process' | 'redis';
  close(): Promise<void>;
}

export function createLiveBus(redisUrl?: string, logger?: Logger): LiveBusHandle {
  if (!redisUrl) {
    // One listener per subscription: thousands are expected, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { bus: createPubSub<LiveTopics>({ eventTarget }), kind: 'in-process', close: async () => undefined };
  }
  const options = { maxRetriesPerRequest: null, enableOfflineQueue: true, lazyConnect: false } as const;
  const publishClient = new Redis(redisUrl, options);
  const subscribeClient = new Redis(redisUrl, options);
  for (const c of [publishClient, subscribeClient])
    c.on('error', (err: Error) => logger?.warn({ err: err.message }, 'redis connection error'));
  const eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
  return {
    bus: createPubSub<LiveTopics>({ eventTarget }),
    kind: 'redis',
    async close() {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
