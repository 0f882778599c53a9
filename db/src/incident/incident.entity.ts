import { defineEntity, p } from '@mikro-orm/core';
import type { IncidentKind, IncidentSeverity, IncidentState } from '../domain.ts';
import { newId } from '../ids.ts';
import { Workspace } from '../workspace/workspace.entity.ts';
import type { IncidentChange } from './incident-state.ts';

/**
 * Something a detector noticed. One row per (workspace, subject, kind, error code) while it is not
 * RESOLVED — a partial unique index, so detectors in several processes converge on one row.
 * `subject` is the integration's id, or `host:<name>` for a destination shared by several.
 * Written by the repository's statements (incident.repository.ts); the entity is for reads.
 */
const IncidentSchema = defineEntity({
  name: 'Incident',
  tableName: 'incident',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    kind: p.string().$type<IncidentKind>(),
    state: p.string().$type<IncidentState>(),
    severity: p.string().$type<IncidentSeverity>(),
    subject: p.text(),
    /** '' when the kind has none (the unique key needs a value). */
    errorCode: p.string().default(''),
    /** The one integration concerned; null when it spans several. */
    integrationId: p.uuid().nullable(),
    integrationIds: p.array<string>().columnType('uuid[]'),
    title: p.text(),
    summary: p.text(),
    likelyCause: p.text().nullable(),
    openedAt: p.datetime(),
    lastSeenAt: p.datetime(),
    resolvedAt: p.datetime().nullable(),
    mutedUntil: p.datetime().nullable(),
    eventCount: p.integer().default(0),
    /** Newest first, at most 20 (event ids are time-ordered UUIDs). */
    sampleEventIds: p.array<string>().columnType('uuid[]'),
    /** The newest failing event already counted in eventCount. */
    evidenceAt: p.datetime().nullable(),
    history: p.json<IncidentChange[]>(),
  },
});

export class Incident extends IncidentSchema.class {}
IncidentSchema.setClass(Incident);
export { IncidentSchema };
