import { describe, expect, it } from 'vitest';
import { formatBody, hexDump } from './http-body.ts';

describe('formatBody', () => {
	it('pretty-prints JSON and keeps other text as it is', () => {
		expect(formatBody('{"a":1}')).toEqual({ text: '{\n  "a": 1\n}', isJson: true });
		expect(formatBody('plain')).toEqual({ text: 'plain', isJson: false });
		expect(formatBody('')).toBeNull();
	});
	it('shows a base64-stored binary body as a hex dump and says how many bytes it had', () => {
		const bytes = [0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x01];
		const b64 = btoa(String.fromCharCode(...bytes));
		const shown = formatBody(b64, 'BASE64');
		expect(shown?.binaryBytes).toBe(6);
		expect(shown?.isJson).toBe(false);
		expect(shown?.text).toMatch(/^000000 {2}6f 6b 00 ff fe 01 +ok\.\.\.\.$/);
	});
	it('dumps sixteen bytes a line', () => {
		expect(hexDump(new Uint8Array(17)).split('\n')).toHaveLength(2);
	});
});
