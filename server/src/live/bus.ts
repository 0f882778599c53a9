// The live bus: in-process by default; the live-updates issue adds Redis fan-out across replicas.
import { createPubSub } from '@graphql-yoga/subscription';
import type { LiveBus, LiveTopics } from '@switchboard/schema';

export function createLiveBus(): LiveBus {
  return createPubSub<LiveTopics>();
}
