import { applyRollupDeltas, createWorkspace, moveDeltas, newId } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/database.ts';

describe('rollup deltas', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let workspaceId: string;
  const integrationId = newId();

  beforeAll(async () => {
    db = await openTestDatabase();
    workspaceId = (await createWorkspace(db.orm.em.fork(), 'Rollups')).workspace.id;
  });
  afterAll(() => db.close());

  const rows = () =>
    db.orm.em
      .fork()
      .getConnection()
      .execute<{ hour: string; status: string; error_code: string; count: number }[]>(
        'select hour, status, error_code, count from event_rollup where workspace_id = ? order by hour, status, error_code',
        [workspaceId],
      );

  it('moves counts between (status, code) rows of the event’s receive hour, summing within a batch', async () => {
    const e = { workspaceId, integrationId, integrationType: 'OUTBOUND_WEBHOOK' as const, receivedAt: new Date('2026-11-20T10:42:00Z') };
    const later = { ...e, receivedAt: new Date('2026-11-20T11:05:00Z') };
    await applyRollupDeltas(db.orm.em.fork(), [
      ...moveDeltas(e, null, { status: 'RECEIVED', errorCode: null }),
      ...moveDeltas(e, null, { status: 'RECEIVED', errorCode: null }),
      ...moveDeltas(later, null, { status: 'RECEIVED', errorCode: null }),
    ]);
    await applyRollupDeltas(db.orm.em.fork(), [
      ...moveDeltas(e, { status: 'RECEIVED', errorCode: null }, { status: 'PROCESSING', errorCode: null }),
      ...moveDeltas(e, { status: 'PROCESSING', errorCode: null }, { status: 'FAILED', errorCode: '503' }),
    ]);
    expect((await rows()).map((r) => [new Date(r.hour).toISOString(), r.status, r.error_code, r.count])).toEqual([
      ['2026-11-20T10:00:00.000Z', 'FAILED', '503', 1],
      ['2026-11-20T10:00:00.000Z', 'RECEIVED', '', 1],
      ['2026-11-20T11:00:00.000Z', 'RECEIVED', '', 1],
    ]);
  });

  it('refuses a move out of a row that does not exist, or below zero, and changes nothing', async () => {
    const before = await rows();
    const e = { workspaceId, integrationId, integrationType: 'OUTBOUND_WEBHOOK' as const, receivedAt: new Date('2026-11-20T11:30:00Z') };
    await expect(
      applyRollupDeltas(db.orm.em.fork(), moveDeltas(e, { status: 'DELIVERED', errorCode: null }, { status: 'RECEIVED', errorCode: null })),
    ).rejects.toThrow(/rollup out of step|event_rollup_count_check/);
    expect(await rows()).toEqual(before);
    const em = db.orm.em.fork();
    const existing = {
      workspaceId,
      integrationId,
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date('2026-11-20T11:05:00Z'),
    };
    await expect(
      em.transactional((tx) =>
        applyRollupDeltas(tx, [
          ...moveDeltas(existing, { status: 'RECEIVED', errorCode: null }, { status: 'DELIVERED', errorCode: null }),
          ...moveDeltas(existing, { status: 'RECEIVED', errorCode: null }, { status: 'DELIVERED', errorCode: null }),
        ]),
      ),
    ).rejects.toThrow(/event_rollup_count_check/);
    expect(await rows()).toEqual(before);
  });
});
