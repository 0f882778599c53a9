import { describe, expect, it } from 'vitest';
import { applyFieldMapping, MappingError } from './field-mapping.ts';

describe('field mapping templates', () => {
  const payload = {
    title: 'CRM sync: every delivery is failing (401)',
    summary: '12 attempts failed',
    consoleUrl: 'http://sb/incidents/inc_1',
    n: 3,
    o: { a: 1 },
  };

  it('builds a Slack-style text from several paths', () => {
    expect(applyFieldMapping({ text: '{{$.title}} — {{ $.summary }} <{{$.consoleUrl}}|open>' }, payload)).toEqual({
      text: 'CRM sync: every delivery is failing (401) — 12 attempts failed <http://sb/incidents/inc_1|open>',
    });
  });

  it('writes numbers as text and objects as JSON; optional placeholders may be absent', () => {
    expect(applyFieldMapping({ 'blocks.0.text': 'n={{$.n}} o={{$.o}} x={{$.missing?}}.' }, payload)).toEqual({
      blocks: { '0': { text: 'n=3 o={"a":1} x=.' } },
    });
  });

  it('fails with MAPPING when a required placeholder does not resolve', () => {
    expect(() => applyFieldMapping({ text: 'hello {{$.nope}}' }, payload)).toThrow(MappingError);
    expect(() => applyFieldMapping({ text: 'hello {{$.nope}}' }, payload)).toThrow(/text ← \{\{\$\.nope\}\}/);
  });

  it('leaves strings without placeholders as literals', () => {
    expect(applyFieldMapping({ channel: '#alerts', note: 'braces {{ alone' }, payload)).toEqual({
      channel: '#alerts',
      note: 'braces {{ alone',
    });
  });
});
