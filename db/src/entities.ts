import { ApiKeySchema } from './api-key/api-key.entity.ts';
import { DeliveryAttemptSchema } from './delivery-attempt/delivery-attempt.entity.ts';
import { EventSchema } from './event/event.entity.ts';
import { IncidentSchema } from './incident/incident.entity.ts';
import { IntegrationSchema, IntegrationStateChangeSchema } from './integration/integration.entity.ts';
import { EventRollupSchema } from './rollup/event-rollup.entity.ts';
import { EventStatusRollupSchema } from './rollup/event-status-rollup.entity.ts';
import { WorkspaceSchema } from './workspace/workspace.entity.ts';

/** Every entity, listed explicitly (no folder discovery). */
export const ENTITIES = [
  WorkspaceSchema,
  ApiKeySchema,
  IntegrationSchema,
  IntegrationStateChangeSchema,
  EventSchema,
  DeliveryAttemptSchema,
  EventRollupSchema,
  EventStatusRollupSchema,
  IncidentSchema,
];
