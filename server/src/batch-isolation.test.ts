import { describe, expect, it } from 'vitest';
import { isTransient, storeIsolating } from './batch-isolation.ts';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('storeIsolating', () => {
  it('isolates rows the database refuses for their data and stores the rest', async () => {
    const stored: number[] = [];
    const refused: number[] = [];
    const r = await storeIsolating(
      [1, 2, 3, 4, 5],
      async (part) => {
        if (part.includes(3)) throw pgError('22P05');
        stored.push(...part);
      },
      (item) => {
        refused.push(item);
      },
    );
    expect(stored.sort()).toEqual([1, 2, 4, 5]);
    expect(refused).toEqual([3]);
    expect(r.unavailable).toBeNull();
  });
  it('retries a deadlock or serialization failure as it is, never as a refusal of the data', async () => {
    let calls = 0;
    const refused: number[] = [];
    const r = await storeIsolating(
      [1, 2],
      async () => {
        calls++;
        if (calls < 3) throw pgError(calls === 1 ? '40P01' : '40001');
      },
      (item) => {
        refused.push(item);
      },
    );
    expect(calls).toBe(3);
    expect(refused).toEqual([]);
    expect(r.unavailable).toBeNull();
    expect(isTransient(pgError('55P03'))).toBe(true);
    expect(isTransient(pgError('22021'))).toBe(false);
  });
  it('hands back what is left when a transient failure persists', async () => {
    const r = await storeIsolating(
      [1, 2],
      async () => {
        throw pgError('40P01');
      },
      () => {},
    );
    expect(r.unavailable?.items).toEqual([1, 2]);
  });
});
