import { defineEntity, p } from '@mikro-orm/core';
import { newId } from '../ids.ts';

const WorkspaceSchema = defineEntity({
  name: 'Workspace',
  tableName: 'workspace',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    name: p.string(),
    /** IANA zone; DAY buckets and the console's times use it. */
    timezone: p.string().default('UTC'),
    createdAt: p.datetime().onCreate(() => new Date()),
    /** Overrides of the detectors' defaults (see server/src/insight/settings.ts); null: all defaults. */
    insightSettings: p.json<Record<string, number>>().nullable(),
  },
});

export class Workspace extends WorkspaceSchema.class {}
WorkspaceSchema.setClass(Workspace);
export { WorkspaceSchema };

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
