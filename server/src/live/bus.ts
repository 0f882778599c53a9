// The live bus: in-process by default; with REDIS_URL, through Redis pub/sub so a subscriber on one
// replica sees changes made on another. Messages carry IDs and filter fields only, on one channel per
// workspace (plus an all-workspaces channel for the pipeline's own listeners); failures are also sent
// on their own channel so failure feeds are not woken by every delivery.
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from '@graphql-yoga/subscription';
import type { LiveBus, LiveTopics } from '@switchboard/schema';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

export interface LiveBusHandle {
  bus: LiveBus;
  kind: 'in-process' | 'redis';
  close(): Promise<void>;
}

type Channels = { [K in keyof LiveTopics]: [workspaceId: string, message: LiveTopics[K]] } & {
  [K in keyof LiveTopics as `${K}:all`]: [message: LiveTopics[K]];
};

export function createLiveBus(redisUrl: string | undefined, logger: Logger, metrics: Metrics): LiveBusHandle {
  let eventTarget: EventTarget;
  let close: () => Promise<void> = async () => {};
  if (redisUrl) {
    const options = { maxRetriesPerRequest: null, enableOfflineQueue: true } as const;
    const publishClient = new Redis(redisUrl, options);
    const subscribeClient = new Redis(redisUrl, options);
    for (const c of [publishClient, subscribeClient])
      c.on('error', (err: Error) => logger.warn({ err: err.message }, 'redis connection error'));
    eventTarget = createRedisEventTarget({ publishClient, subscribeClient });
    close = async () => {
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
    (pubsub.publish as (t: string, ...a: unknown[]) => void)(`${topic}:all`, message);
  };
  const bus: LiveBus = {
    publish(topic, message) {
      publishOne(topic, message);
      if (topic === 'event:changed') {
        const m = message as LiveTopics['event:changed'];
        if (m.status === 'FAILED' || m.status === 'RETRYING') publishOne('event:failed', m);
      }
    },
    subscribe(topic, workspaceId) {
      const sub = pubsub.subscribe as unknown as (t: string, id?: string) => AsyncGenerator<never>;
      return workspaceId === undefined ? sub(`${topic}:all`) : sub(topic, workspaceId);
    },
  };
  return { bus, kind: redisUrl ? 'redis' : 'in-process', close };
}
