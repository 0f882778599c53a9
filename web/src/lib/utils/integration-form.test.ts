import { CombinedError } from '@urql/core';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createInputFrom, draftFromIntegration, emptyDraft, fieldErrorsFrom, updateInputFrom } from './integration-form.ts';

describe('integration form', () => {
	it('turns a draft into the create input: lists split, blanks to null, JSON parsed', () => {
		const { input, errors } = createInputFrom({
			...emptyDraft(),
			name: 'Orders',
			provider: 'hubspot',
			destinationUrl: ' https://crm.example/hook ',
			subscribedEventTypes: 'order.created,\n order.paid ,',
			retrySchedule: '0, 60,300',
			fieldMapping: '{"id": "$.id"}',
			credentials: '{"token": "t"}'
		});
		expect(errors).toEqual({});
		expect(input).toMatchObject({
			name: 'Orders',
			destinationUrl: 'https://crm.example/hook',
			subscribedEventTypes: ['order.created', 'order.paid'],
			retrySchedule: [0, 60, 300],
			fieldMapping: { id: '$.id' },
			credentials: { token: 't' },
			owner: null,
			service: null
		});
	});

	it('leaves the default schedule and no credentials out of a create', () => {
		const { input } = createInputFrom({ ...emptyDraft(), name: 'x', provider: 'y' });
		expect(input).not.toHaveProperty('retrySchedule');
		expect(input).not.toHaveProperty('credentials');
		expect(input?.fieldMapping).toBeNull();
	});

	it('reports JSON and number mistakes under their fields and sends nothing', () => {
		const { input, errors } = createInputFrom({ ...emptyDraft(), fieldMapping: '{"id": ', credentials: '[1]', retrySchedule: '10, soon' });
		expect(input).toBeUndefined();
		expect(errors.fieldMapping).toMatch(/not valid JSON/);
		expect(errors.credentials).toMatch(/must be a JSON object/);
		expect(errors.retrySchedule).toMatch(/whole numbers/);
	});

	it('round-trips an integration through the edit form; blank credentials stay unchanged, blank schedule resets', () => {
		const draft = draftFromIntegration({
			name: 'Slack',
			type: 'OUTBOUND_WEBHOOK',
			provider: 'slack',
			environment: 'TEST',
			owner: null,
			destinationUrl: 'https://hooks.slack.example/x',
			destinationMethod: 'POST',
			subscribedEventTypes: ['a', 'b'],
			service: 'alerts',
			flow: null,
			retrySchedule: [0, 30],
			fieldMapping: { text: '$.msg' }
		});
		expect(draft.subscribedEventTypes).toBe('a, b');
		const { input } = updateInputFrom(draft);
		expect(input).toMatchObject({ subscribedEventTypes: ['a', 'b'], retrySchedule: [0, 30], fieldMapping: { text: '$.msg' }, flow: null });
		expect(input).not.toHaveProperty('credentials');
		expect(updateInputFrom({ ...draft, retrySchedule: '' }).input?.retrySchedule).toBeNull();
	});

	it("puts the API's BAD_USER_INPUT message under the field it names, the rest on the form", () => {
		const error = new CombinedError({
			graphQLErrors: [
				new GraphQLError('destinationUrl must use http or https (got "ftp")', {
					extensions: { code: 'BAD_USER_INPUT', field: 'destinationUrl' }
				}),
				new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } })
			]
		});
		expect(fieldErrorsFrom(error, ['destinationUrl', 'name'])).toEqual({
			destinationUrl: 'destinationUrl must use http or https (got "ftp")',
			form: 'Not allowed'
		});
		expect(fieldErrorsFrom(new Error('network'), ['name'])).toBeNull();
	});
});
