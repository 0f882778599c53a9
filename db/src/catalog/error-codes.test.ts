import { describe, it, expect } from 'vitest';
import { ERROR_CATEGORIES, INTEGRATION_TYPES } from '../domain.ts';
import { ERROR_CATALOG, describeErrorCode, isRetryableCode, lookupErrorCode, remediationsFor } from './error-codes.ts';

const HTTP_CODES = ['308', '400', '401', '403', '404', '405', '406', '408', '409', '413', '429', '500', '502', '503', '504', '521', '523'];
const PLATFORM_CODES = ['804', '811', '816', '844', '852', '882', '883', '884'];
const NETWORK_CODES = ['TIMEOUT', 'CONNECTION_REFUSED', 'DNS', 'TLS'];
const ALL_CODES = [...HTTP_CODES, ...PLATFORM_CODES, ...NETWORK_CODES, 'MAPPING', 'STUCK'];

function info(code: string) {
  const found = lookupErrorCode(code);
  if (!found) throw new Error(`missing catalog entry ${code}`);
  return found;
}

describe('error-code catalog: contents', () => {
  it('holds every code of DESIGN.md plus MAPPING and STUCK, each exactly once, in the stable order', () => {
    expect(ERROR_CATALOG.map((e) => e.code)).toEqual(ALL_CODES);
    expect(new Set(ERROR_CATALOG.map((e) => e.code)).size).toBe(ERROR_CATALOG.length);
  });

  it('gives each entry a label, a known category and guidance for exactly the five types', () => {
    for (const e of ERROR_CATALOG) {
      expect(e.label.trim().length, e.code).toBeGreaterThan(0);
      expect(ERROR_CATEGORIES).toContain(e.category);
      expect(Object.keys(e.byType).sort()).toEqual([...INTEGRATION_TYPES].sort());
    }
  });

  it('has non-empty guidance for every applicable type and null for the others', () => {
    for (const e of ERROR_CATALOG) {
      const applicable = INTEGRATION_TYPES.filter((t) => e.byType[t] !== null);
      expect(applicable.length, `${e.code} applies to no type`).toBeGreaterThan(0);
      for (const t of INTEGRATION_TYPES) {
        const g = e.byType[t];
        if (g !== null) expect(g.trim().length, `${e.code}/${t}`).toBeGreaterThan(20);
      }
    }
  });

  it('keeps the applicability facts of the seed table', () => {
    const notApplicable = (code: string) => INTEGRATION_TYPES.filter((t) => info(code).byType[t] === null);
    expect(notApplicable('308')).toEqual(['INBOUND_WEBHOOK', 'CUSTOM_EVENT']);
    expect(notApplicable('403')).toEqual(['INBOUND_WEBHOOK', 'CUSTOM_EVENT']);
    expect(notApplicable('406')).toEqual(['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'CUSTOM_EVENT']);
    expect(notApplicable('409')).toEqual(['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'CUSTOM_EVENT']);
    for (const code of PLATFORM_CODES) expect(notApplicable(code), code).toEqual(['OUTBOUND_WEBHOOK']);
    for (const code of ['400', '401', '404', '405', '408', '429', '500', '502', '503', '504', '523']) {
      expect(notApplicable(code), code).toEqual([]);
    }
  });

  it('cannot be mutated by callers', () => {
    expect(Object.isFrozen(ERROR_CATALOG)).toBe(true);
    expect(Object.isFrozen(info('401'))).toBe(true);
    expect(Object.isFrozen(info('401').byType)).toBe(true);
  });
});

describe('error-code catalog: categories', () => {
  it('follows the category rules', () => {
    const expected: Record<string, string> = {
      '308': 'CLIENT',
      '401': 'AUTH',
      '403': 'AUTH',
      '429': 'RATE_LIMIT',
      '882': 'RATE_LIMIT',
      '883': 'RATE_LIMIT',
    };
    for (const code of ['400', '404', '405', '406', '408', '409', '413']) expected[code] = 'CLIENT';
    for (const code of ['500', '502', '503', '504', '521', '523']) expected[code] = 'SERVER';
    for (const code of NETWORK_CODES) expected[code] = 'NETWORK';
    for (const code of ['804', '811', '816', '844', '852', '884', 'MAPPING', 'STUCK']) expected[code] = 'PLATFORM';
    for (const code of ALL_CODES) expect(info(code).category, code).toBe(expected[code]);
  });
});

describe('error-code catalog: retryability', () => {
  it('retries network errors, timeouts, 408, 429 and every 5xx', () => {
    for (const code of [...NETWORK_CODES, '408', '429', '500', '502', '503', '504', '521', '523', 'STUCK']) {
      expect(info(code).retryable, code).toBe(true);
      expect(isRetryableCode(code), code).toBe(true);
    }
  });

  it('does not retry other 4xx, the redirect, or mapping errors', () => {
    for (const code of ['308', '400', '401', '403', '404', '405', '406', '409', '413', 'MAPPING', '852']) {
      expect(info(code).retryable, code).toBe(false);
      expect(isRetryableCode(code), code).toBe(false);
    }
  });

  it('retries transient platform codes and not the ones that need a human', () => {
    expect(PLATFORM_CODES.filter((c) => info(c).retryable)).toEqual(['804', '811', '882', '883']);
  });
});

describe('lookupErrorCode', () => {
  it('finds known codes, tolerating case and blanks', () => {
    expect(lookupErrorCode('503')?.label).toBe('Service Unavailable');
    expect(lookupErrorCode(' connection_refused ')?.label).toBe('Connection refused');
  });

  it('returns undefined for unknown codes', () => {
    expect(lookupErrorCode('418')).toBeUndefined();
    expect(lookupErrorCode('')).toBeUndefined();
  });
});

describe('describeErrorCode and isRetryableCode on unknown codes', () => {
  it('describes known codes from the catalog', () => {
    expect(describeErrorCode('401')).toEqual({ label: 'Unauthorized', category: 'AUTH' });
    expect(describeErrorCode('DNS')).toEqual({ label: 'DNS lookup failed', category: 'NETWORK' });
  });

  it('infers from numeric ranges', () => {
    expect(describeErrorCode('507')).toEqual({ label: 'Server error (5xx)', category: 'SERVER' });
    expect(describeErrorCode('599')).toEqual({ label: 'Server error (5xx)', category: 'SERVER' });
    expect(describeErrorCode('418')).toEqual({ label: 'Client error (4xx)', category: 'CLIENT' });
    expect(isRetryableCode('507')).toBe(true);
    expect(isRetryableCode('418')).toBe(false);
  });

  it('labels anything else as unknown, without throwing', () => {
    for (const code of ['', '   ', '302', '999', '5000', '50', 'ECONNRESET', 'null', '5xx']) {
      expect(describeErrorCode(code), code).toEqual({ label: 'Unknown error', category: 'PLATFORM' });
      expect(isRetryableCode(code), code).toBe(false);
    }
  });
});

describe('remediationsFor', () => {
  it('returns one row per code and type without a filter', () => {
    const rows = remediationsFor({});
    expect(rows).toHaveLength(ALL_CODES.length * INTEGRATION_TYPES.length);
    expect(rows[0]).toMatchObject({ code: '308', type: 'INBOUND_WEBHOOK', applicable: false, guidance: null });
    expect(remediationsFor()).toEqual(rows);
  });

  it('filters by code', () => {
    const rows = remediationsFor({ code: '401' });
    expect(rows.map((r) => r.type)).toEqual([...INTEGRATION_TYPES]);
    for (const r of rows) {
      expect(r).toMatchObject({ code: '401', label: 'Unauthorized', category: 'AUTH', retryable: false, applicable: true });
      expect(r.guidance).toBe(info('401').byType[r.type]);
    }
  });

  it('filters by type', () => {
    const rows = remediationsFor({ type: 'OUTBOUND_WEBHOOK' });
    expect(rows.map((r) => r.code)).toEqual(ALL_CODES);
    expect(rows.every((r) => r.type === 'OUTBOUND_WEBHOOK')).toBe(true);
    expect(rows.filter((r) => !r.applicable).map((r) => r.code)).toEqual(['406', '409', ...PLATFORM_CODES]);
  });

  it('filters by code and type together', () => {
    expect(remediationsFor({ code: '852', type: 'OUTBOUND_WEBHOOK' })).toEqual([
      {
        code: '852',
        label: info('852').label,
        category: 'PLATFORM',
        type: 'OUTBOUND_WEBHOOK',
        applicable: false,
        retryable: false,
        guidance: null,
      },
    ]);
    const [row] = remediationsFor({ code: 'timeout', type: 'CUSTOM_NODE' });
    expect(row).toMatchObject({ code: 'TIMEOUT', applicable: true, retryable: true });
    expect(row?.guidance).toBeTruthy();
  });

  it('treats null filter values as absent and returns nothing for an unknown code', () => {
    expect(remediationsFor({ code: null, type: null })).toHaveLength(ALL_CODES.length * INTEGRATION_TYPES.length);
    expect(remediationsFor({ code: '418' })).toEqual([]);
  });

  it('keeps applicable and guidance consistent on every row', () => {
    for (const r of remediationsFor({})) expect(r.applicable).toBe(r.guidance !== null);
  });
});

describe('guidance is written anew', () => {
  // Characteristic wording of the messaging-platform seed; none of it may reappear here.
  const SEED_PHRASES = [
    'Webex',
    'Please reach out to your account manager or the operations team',
    'reach out to account manager',
    'Internal server errors can occur due to server issues',
    'Dependent on API provider',
    'For the incoming event, the application is unable to process it',
    'The TPS request is greater than TPS allocated',
    'please refer to the Inbound Webhook doc',
    'If your integration is offered by Partner',
  ];

  it("contains none of the seed table's wording", () => {
    for (const e of ERROR_CATALOG) {
      for (const text of [e.label, ...Object.values(e.byType)]) {
        if (text === null) continue;
        for (const phrase of SEED_PHRASES) {
          expect(text.toLowerCase().includes(phrase.toLowerCase()), `${e.code}: "${phrase}"`).toBe(false);
        }
      }
    }
  });

  it("does not repeat one sentence across a code's types", () => {
    for (const e of ERROR_CATALOG) {
      const texts = Object.values(e.byType).filter((g): g is string => g !== null);
      expect(new Set(texts).size, e.code).toBe(texts.length);
    }
  });
});
