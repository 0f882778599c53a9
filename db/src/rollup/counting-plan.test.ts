import { describe, expect, it } from 'vitest';
import { countingPlan, hourInOneDay } from './dashboard.repository.ts';

const d = (s: string) => new Date(s);
const span = (from: string, to: string) => ({ from: d(from), to: d(to) });

describe('countingPlan', () => {
  const always = () => true;

  it('reads an edge hour mostly inside the range as the whole hour less the events outside it', () => {
    expect(countingPlan(span('2026-11-05T10:10:00Z', '2026-11-05T14:55:00Z'), always)).toEqual({
      hours: span('2026-11-05T10:00:00Z', '2026-11-05T15:00:00Z'),
      plus: [],
      minus: [span('2026-11-05T10:00:00Z', '2026-11-05T10:10:00Z'), span('2026-11-05T14:55:00Z', '2026-11-05T15:00:00Z')],
    });
  });

  it('reads an edge hour mostly outside the range from its events, as before', () => {
    expect(countingPlan(span('2026-11-05T10:50:00Z', '2026-11-05T14:05:00Z'), always)).toEqual({
      hours: span('2026-11-05T11:00:00Z', '2026-11-05T14:00:00Z'),
      plus: [span('2026-11-05T10:50:00Z', '2026-11-05T11:00:00Z'), span('2026-11-05T14:00:00Z', '2026-11-05T14:05:00Z')],
      minus: [],
    });
  });

  it('leaves an edge hour that straddles two buckets to its events, and a range without a whole hour to raw events', () => {
    const notAt14 = (h: Date) => h.getUTCHours() !== 14;
    expect(countingPlan(span('2026-11-05T10:10:00Z', '2026-11-05T14:55:00Z'), notAt14)).toEqual({
      hours: span('2026-11-05T10:00:00Z', '2026-11-05T14:00:00Z'),
      plus: [span('2026-11-05T14:00:00Z', '2026-11-05T14:55:00Z')],
      minus: [span('2026-11-05T10:00:00Z', '2026-11-05T10:10:00Z')],
    });
    expect(countingPlan(span('2026-11-05T10:05:00Z', '2026-11-05T11:20:00Z'), always)).toEqual({
      hours: null,
      plus: [span('2026-11-05T10:05:00Z', '2026-11-05T11:20:00Z')],
      minus: [],
    });
  });
});

describe('hourInOneDay', () => {
  it('is true for every hour of a whole-hour zone, false for the hour across midnight in a half-hour zone', () => {
    const berlin = hourInOneDay('Europe/Berlin');
    for (let h = 0; h < 48; h++) expect(berlin(new Date(Date.UTC(2026, 9, 24, h)))).toBe(true);
    const kolkata = hourInOneDay('Asia/Kolkata');
    // 18:00Z is 23:30 in Kolkata: the hour ends at 00:30 the next day.
    expect(kolkata(d('2026-11-05T18:00:00Z'))).toBe(false);
    expect(kolkata(d('2026-11-05T17:00:00Z'))).toBe(true);
  });
});
