import { CombinedError } from '@urql/core';
import type { Environment, IntegrationType } from '#lib/graphql/enums.ts';

/** The create/edit form as the operator types it: every field a string (or a choice). */
export interface IntegrationDraft {
	name: string;
	type: IntegrationType;
	provider: string;
	environment: Environment;
	owner: string;
	destinationUrl: string;
	destinationMethod: string;
	/** Comma- or newline-separated; empty means every event type. */
	subscribedEventTypes: string;
	service: string;
	flow: string;
	/** Seconds before each attempt, comma-separated; empty means the default schedule. */
	retrySchedule: string;
	/** A JSON object, or empty for none. */
	fieldMapping: string;
	/** A JSON object, write-only: empty on create means none, on edit means unchanged. */
	credentials: string;
}

export type DraftField = keyof IntegrationDraft;
export type FieldErrors = Partial<Record<DraftField | 'form', string>>;

export interface IntegrationLike {
	name: string;
	type: IntegrationType;
	provider: string;
	environment: Environment;
	owner: string | null;
	destinationUrl: string | null;
	destinationMethod: string;
	subscribedEventTypes: readonly string[];
	service: string | null;
	flow: string | null;
	retrySchedule: readonly number[];
	fieldMapping: unknown;
}

export function emptyDraft(): IntegrationDraft {
	return {
		name: '',
		type: 'OUTBOUND_WEBHOOK',
		provider: '',
		environment: 'PRODUCTION',
		owner: '',
		destinationUrl: '',
		destinationMethod: 'POST',
		subscribedEventTypes: '',
		service: '',
		flow: '',
		retrySchedule: '',
		fieldMapping: '',
		credentials: ''
	};
}

export function draftFromIntegration(i: IntegrationLike): IntegrationDraft {
	return {
		name: i.name,
		type: i.type,
		provider: i.provider,
		environment: i.environment,
		owner: i.owner ?? '',
		destinationUrl: i.destinationUrl ?? '',
		destinationMethod: i.destinationMethod,
		subscribedEventTypes: i.subscribedEventTypes.join(', '),
		service: i.service ?? '',
		flow: i.flow ?? '',
		retrySchedule: i.retrySchedule.join(', '),
		fieldMapping: i.fieldMapping == null ? '' : JSON.stringify(i.fieldMapping, null, 2),
		credentials: ''
	};
}

/** Inbound webhooks are pushed to Switchboard; everything else is sent to a destination. */
export function needsDestination(type: IntegrationType): boolean {
	return type !== 'INBOUND_WEBHOOK';
}

function list(text: string): string[] {
	return text
		.split(/[,\n]/)
		.map((t) => t.trim())
		.filter(Boolean);
}

function jsonObject(text: string, label: string, errors: FieldErrors, field: DraftField): Record<string, unknown> | null | undefined {
	if (!text.trim()) return null;
	try {
		const value: unknown = JSON.parse(text);
		if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
		errors[field] = `${label} must be a JSON object, like {"key": "value"}.`;
	} catch (error) {
		errors[field] = `${label} is not valid JSON: ${(error as Error).message}`;
	}
	return undefined;
}

function schedule(text: string, errors: FieldErrors): number[] | null | undefined {
	const parts = list(text);
	if (parts.length === 0) return null;
	const numbers = parts.map(Number);
	// Whole numbers only here (GraphQL's Int would refuse anything else without saying which field);
	// the API checks the rest (negative values, length) and its message is shown under the field.
	if (numbers.some((n) => !Number.isInteger(n))) {
		errors.retrySchedule = 'Retry schedule: whole numbers of seconds, separated by commas (e.g. 0, 60, 300).';
		return undefined;
	}
	return numbers;
}

const optional = (text: string) => (text.trim() ? text.trim() : null);

export interface CreateInput {
	name: string;
	type: IntegrationType;
	provider: string;
	environment: Environment;
	owner: string | null;
	destinationUrl: string | null;
	destinationMethod: string;
	subscribedEventTypes: string[];
	service: string | null;
	flow: string | null;
	retrySchedule?: number[];
	fieldMapping: Record<string, unknown> | null;
	credentials?: Record<string, unknown>;
}

export type UpdateInput = Omit<CreateInput, 'type' | 'provider' | 'environment' | 'destinationMethod' | 'retrySchedule'> & {
	retrySchedule: number[] | null;
};

/** What create and update both take from the draft, or the field errors that stop either. */
function commonInput(draft: IntegrationDraft) {
	const errors: FieldErrors = {};
	const fieldMapping = jsonObject(draft.fieldMapping, 'Field mapping', errors, 'fieldMapping');
	const credentials = jsonObject(draft.credentials, 'Credentials', errors, 'credentials');
	const retrySchedule = schedule(draft.retrySchedule, errors);
	if (Object.keys(errors).length) return { errors };
	return {
		errors,
		credentials,
		retrySchedule,
		fields: {
			name: draft.name,
			owner: optional(draft.owner),
			destinationUrl: optional(draft.destinationUrl),
			subscribedEventTypes: list(draft.subscribedEventTypes),
			service: optional(draft.service),
			flow: optional(draft.flow),
			fieldMapping: fieldMapping ?? null
		}
	};
}

/**
 * Turns the draft into the mutation's input. Only what cannot be sent at all is checked here (JSON
 * syntax, numbers); the API validates the values and its BAD_USER_INPUT messages go under the field.
 */
export function createInputFrom(draft: IntegrationDraft): { input?: CreateInput; errors: FieldErrors } {
	const { errors, fields, credentials, retrySchedule } = commonInput(draft);
	if (!fields) return { errors };
	return {
		errors,
		input: {
			...fields,
			type: draft.type,
			provider: draft.provider,
			environment: draft.environment,
			destinationMethod: draft.destinationMethod,
			...(retrySchedule ? { retrySchedule } : {}),
			...(credentials ? { credentials } : {})
		}
	};
}

export function updateInputFrom(draft: IntegrationDraft): { input?: UpdateInput; errors: FieldErrors } {
	const { errors, fields, credentials, retrySchedule } = commonInput(draft);
	if (!fields) return { errors };
	return {
		errors,
		input: {
			...fields,
			// Empty: back to the default schedule.
			retrySchedule: retrySchedule ?? null,
			// Empty: the stored credentials stay as they are.
			...(credentials ? { credentials } : {})
		}
	};
}

/**
 * The API's BAD_USER_INPUT errors name the input field (`extensions.field`): put the message under
 * that field; anything else is a message for the whole form.
 */
export function fieldErrorsFrom(error: unknown, fields: readonly string[]): FieldErrors | null {
	if (!(error instanceof CombinedError) || error.graphQLErrors.length === 0) return null;
	const out: FieldErrors = {};
	for (const e of error.graphQLErrors) {
		const field = e.extensions?.field;
		if (e.extensions?.code === 'BAD_USER_INPUT' && typeof field === 'string' && fields.includes(field)) {
			out[field as DraftField] = e.message;
		} else {
			out.form = out.form ? `${out.form} ${e.message}` : e.message;
		}
	}
	return out;
}
