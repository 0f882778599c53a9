// The pipeline operations the GraphQL API calls (sendTestEvent, replay, reconnect's test call).
// Owned by the event-pipeline issue; until it lands these refuse clearly.
import type { Database } from '@switchboard/db';
import type { PipelineServices } from '@switchboard/schema';
import type { Config } from './config.ts';
import type { LiveBus } from '@switchboard/schema';

export function createPipelineServices(_config: Config, _db: Database, _live: LiveBus): PipelineServices {
  const pending = (what: string) => () => Promise.reject(new Error(`${what} is not available yet`));
  return {
    createEvent: pending('createEvent'),
    replayEvents: pending('replayEvents'),
    testConnection: pending('testConnection'),
  };
}
