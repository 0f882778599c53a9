import type {
  ApiScope,
  EntityManager,
  Event,
  EventChange,
  Integration,
  IncidentChange,
  IncidentState,
  IntegrationState,
  TriggerSource,
} from '@switchboard/db';

/** Who is calling: a workspace's API key, or the root key (which may only create workspaces). */
export type Viewer =
  | { kind: 'key'; workspaceId: string; apiKeyId: string; keyName: string; scopes: readonly ApiScope[] }
  | { kind: 'root' };

/**
 * What travels on the live bus: IDs and the few fields filters need, never payloads. It is the change
 * row every pipeline operation returns (db/src/event/event-change.ts), published as it is.
 * Subscribers load the rest (batched) in their own workspace.
 */
export type EventChangedMessage = EventChange;

export interface IntegrationStateMessage {
  workspaceId: string;
  integrationId: string;
  state: IntegrationState;
  previousState: IntegrationState | null;
  at: string;
}

/** An integration's settings changed (created, edited, secret rotated): caches of its settings forget it. */
export interface IntegrationChangedMessage {
  workspaceId: string;
  integrationId: string;
}

export interface ApiKeyRevokedMessage {
  workspaceId: string;
  apiKeyId: string;
}

/** An incident was opened, updated, or moved to another state. */
export interface IncidentChangedMessage {
  workspaceId: string;
  incidentId: string;
  integrationIds: string[];
  state: IncidentState;
  at: string;
}

export interface LiveTopics {
  'event:changed': EventChangedMessage;
  /** The subset of `event:changed` that became FAILED or RETRYING (its own channel: failure feeds skip the rest). */
  'event:failed': EventChangedMessage;
  'integration:state': IntegrationStateMessage;
  'integration:changed': IntegrationChangedMessage;
  'apikey:revoked': ApiKeyRevokedMessage;
  'incident:changed': IncidentChangedMessage;
}

/**
 * The live bus. Every message belongs to one workspace and travels on that workspace's channel, so a
 * subscriber is only ever woken for its own workspace's changes (isolation and cost both).
 */
export interface LiveBus {
  publish<K extends keyof LiveTopics>(topic: K, message: LiveTopics[K]): void;
  /** One workspace's messages; without a workspace, every workspace's (internal consumers only, never an API caller). */
  subscribe<K extends keyof LiveTopics>(topic: K, workspaceId?: string): AsyncGenerator<LiveTopics[K], void>;
}

export interface NewEventInput {
  integration: Integration;
  eventType: string;
  payload: unknown;
  source: TriggerSource;
  isTest?: boolean;
  sourceRecordId?: string | null;
  idempotencyKey?: string | null;
}

/** The pipeline's operations the API needs; implemented by the server (server/src/pipeline-services.ts). */
export interface PipelineServices {
  /** Stores one event durably (status RECEIVED, rollups moved, change published) and wakes the worker. */
  createEvent(em: EntityManager, input: NewEventInput): Promise<Event>;
  /** Re-opens DELIVERED/FAILED events of this workspace for a new attempt cycle, history kept; returns the ids re-opened. */
  replayEvents(em: EntityManager, workspaceId: string, eventIds: readonly string[], actor: string): Promise<string[]>;
  /** A real test call to the destination (outbound) or a check of the signing setup (inbound). */
  testConnection(integration: Integration, credentials: Record<string, unknown> | null): Promise<{ ok: boolean; reason: string | null }>;
  /**
   * After an incident's change is committed: publishes `incident:changed` and, for opened /
   * acknowledged / resolved, stores the `switchboard.incident.*` notification events for the channels
   * subscribed to them. `change` is null for an update that moved no state.
   */
  announceIncident(a: IncidentAnnouncement): Promise<void>;
}

export interface IncidentAnnouncement {
  workspaceId: string;
  incidentId: string;
  integrationIds: string[];
  state: IncidentState;
  change: IncidentChange | null;
}

/** Per-request context. `em` is forked per request; nothing reaches a global ORM. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: Viewer | null;
  live: LiveBus;
  pipeline: PipelineServices;
  /** Public base URL (for `ingestUrl`). */
  publicUrl: string;
}
