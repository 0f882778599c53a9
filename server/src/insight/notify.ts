// Incident changes, told: on the live bus (incidentChanged), and as SYSTEM events
// `switchboard.incident.opened|acknowledged|resolved` stored through the pipeline's own insert, so a
// notification is signed, retried, logged and visible in the event log like any event. Channels are
// the outbound integrations that list the type explicitly, never the incident's own integrations.
// A MUTED incident notifies nobody (the mute's purpose); its resolution after a mute neither.
import {
  type Database,
  encodeId,
  type EntityManager,
  findIncidentChannels,
  findIntegrationsByIds,
  Incident,
  type IncidentChange,
  insertEvents,
  newId,
  newTraceId,
  remediationsFor,
} from '@switchboard/db';
import type { IncidentAnnouncement } from '@switchboard/schema';
import type { EventAnnouncer } from '../live/event-announcer.ts';
import type { ServerLiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';

export const INCIDENT_EVENT_TYPES = {
  OPEN: 'switchboard.incident.opened',
  ACKNOWLEDGED: 'switchboard.incident.acknowledged',
  RESOLVED: 'switchboard.incident.resolved',
} as const;

export function notificationTypeOf(change: IncidentChange | null): string | null {
  if (!change) return null;
  if (change.to === 'RESOLVED' && change.from === 'MUTED') return null;
  return (INCIDENT_EVENT_TYPES as Record<string, string>)[change.to] ?? null;
}

export interface AnnouncerDeps {
  db: Database;
  live: ServerLiveBus;
  /** Publishes the notification events' changes (and wakes the worker). */
  events: EventAnnouncer;
  logger: Logger;
  /** The console's base URL, for the link in the notification. */
  publicUrl: () => string;
}

/** The notification's payload: the incident as JSON, plus `title`, `summary`, `consoleUrl` and `text` at the top for simple mappings. */
export async function incidentPayload(em: EntityManager, incident: Incident, change: IncidentChange, consoleBase: string) {
  const integrations = await findIntegrationsByIds(em, incident.workspace.id, incident.integrationIds);
  const one = incident.integrationId ? integrations.find((i) => i.id === incident.integrationId) : undefined;
  const remediation =
    incident.errorCode && one ? (remediationsFor({ code: incident.errorCode, type: one.type })[0]?.guidance ?? null) : null;
  const id = encodeId('Incident', incident.id);
  const consoleUrl = `${consoleBase}/incidents/${id}`;
  const verb = change.to === 'OPEN' ? 'opened' : change.to === 'ACKNOWLEDGED' ? 'acknowledged' : 'resolved';
  return {
    type: `switchboard.incident.${verb}`,
    title: incident.title,
    summary: incident.summary,
    consoleUrl,
    text: `[${incident.severity}] Incident ${verb}: ${incident.title} — ${incident.summary} ${consoleUrl}`,
    incident: {
      id,
      kind: incident.kind,
      state: incident.state,
      severity: incident.severity,
      title: incident.title,
      summary: incident.summary,
      likelyCause: incident.likelyCause ?? null,
      errorCode: incident.errorCode || null,
      remediation,
      openedAt: incident.openedAt.toISOString(),
      lastSeenAt: incident.lastSeenAt.toISOString(),
      resolvedAt: incident.resolvedAt?.toISOString() ?? null,
      eventCount: incident.eventCount,
      integrations: integrations.map((i) => ({ id: encodeId('Integration', i.id), name: i.name, type: i.type })),
      url: consoleUrl,
    },
    change: { from: change.from, to: change.to, at: change.at, actor: change.actor, note: change.note },
  };
}

/**
 * Announces a committed change. Never throws: the change itself is already stored (an operator's
 * mutation must not answer with an error for it), so a failure to notify is logged instead.
 */
export function createIncidentAnnouncer(deps: AnnouncerDeps): (a: IncidentAnnouncement) => Promise<void> {
  const announce = announcer(deps);
  return (a) =>
    announce(a).catch((err: unknown) =>
      deps.logger.error({ err, incidentId: a.incidentId }, 'incident change committed but its notification could not be stored'),
    );
}

function announcer(deps: AnnouncerDeps): (a: IncidentAnnouncement) => Promise<void> {
  const { db, live, events, logger } = deps;
  return async (a) => {
    live.publish('incident:changed', {
      workspaceId: a.workspaceId,
      incidentId: a.incidentId,
      integrationIds: a.integrationIds,
      state: a.state,
      at: a.change?.at ?? new Date().toISOString(),
    });
    const type = notificationTypeOf(a.change);
    if (!type || !a.change) return;
    const change = a.change;
    const em = db.orm.em.fork() as EntityManager;
    const channels = await findIncidentChannels(em, a.workspaceId, type, a.integrationIds);
    if (channels.length === 0) return;
    const incident = await em.findOne(Incident, a.incidentId);
    if (!incident) return;
    const payloadJson = JSON.stringify(await incidentPayload(em, incident, change, deps.publicUrl()));
    const receivedAt = new Date();
    const traceId = newTraceId();
    // The key makes a notification of one change one event per channel, whichever process sends it.
    const idempotencyKey = `incident:${incident.id}:${change.to}:${change.at}`;
    const created = await events.commit(
      () =>
        insertEvents(
          em,
          channels.map((c) => ({
            id: newId(),
            integrationId: c.id,
            eventType: type,
            source: 'SYSTEM' as const,
            sourceRecordId: encodeId('Incident', incident.id),
            idempotencyKey,
            traceId,
            isTest: false,
            receivedAt,
            payloadJson,
          })),
        ),
      (changes) => changes,
    );
    if (created.length > 0) logger.info({ incidentId: incident.id, type, channels: created.length }, 'incident notification queued');
  };
}
