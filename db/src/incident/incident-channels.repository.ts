// Where incident notifications go: outbound integrations of the workspace that list the
// notification's type explicitly (an empty subscription list takes every type of the workspace's
// own events, never Switchboard's), not disconnected — minus the integrations the incident is about,
// so a failing notification channel is never told about itself through itself.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';

export async function findIncidentChannels(
  em: EntityManager,
  workspaceId: string,
  eventType: string,
  excludeIntegrationIds: readonly string[],
): Promise<Array<{ id: string }>> {
  return queryRows(
    em,
    `select id from integration
     where workspace_id = $1 and type <> 'INBOUND_WEBHOOK' and state <> 'DISCONNECTED'
       and $2 = any(subscribed_event_types) and not (id = any($3::uuid[]))
     order by installed_at, id`,
    [workspaceId, eventType, excludeIntegrationIds],
  );
}
