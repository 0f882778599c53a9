import type { LiveBus } from '@switchboard/schema';
import type { Metrics } from '../metrics.ts';

/** The bus, with every publish counted by topic on /metrics. */
export function countPublished(bus: LiveBus, metrics: Metrics): LiveBus {
  return {
    subscribe: bus.subscribe.bind(bus),
    publish: ((topic: string, ...args: unknown[]) => {
      metrics.livePublished.inc({ topic });
      (bus.publish as (t: string, ...a: unknown[]) => void)(topic, ...args);
    }) as LiveBus['publish'],
  };
}
