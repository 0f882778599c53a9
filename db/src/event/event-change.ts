// What every pipeline operation on events returns: one row per event it moved, shaped as the live bus
// message (`event:changed`) that announces the move, so the caller publishes the rows it got back.
import type { EventStatus, IntegrationType } from '../domain.ts';

export interface EventChange {
  workspaceId: string;
  eventId: string;
  integrationId: string;
  integrationType: IntegrationType;
  status: EventStatus;
  previousStatus: EventStatus | null;
  errorCode: string | null;
  /** ISO time of the move. */
  at: string;
}

/**
 * The select list that turns a CTE's changed rows into EventChange rows: `id`, `workspace_id`,
 * `integration_id`, `integration_type` come from the CTE, the rest are SQL expressions given here.
 */
export function changeColumns(o: { status: string; previousStatus: string; errorCode: string; at: string }): string {
  return `id as "eventId", workspace_id as "workspaceId", integration_id as "integrationId", integration_type as "integrationType",
          ${o.status} as status, ${o.previousStatus} as "previousStatus", ${o.errorCode} as "errorCode",
          to_char(${o.at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at`;
}
