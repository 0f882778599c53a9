import type { HandleClientError } from '@sveltejs/kit/hooks';

export const handleError: HandleClientError = (caught) => {
	if (caught.kind !== 'unknown') return;
	console.error('[switchboard]', caught.error);
	return { message: 'Something went wrong in the console. Reload the page to try again.' };
};
