/** Reason phrases and what they usually mean for an integration, for the response panel. */
const REASONS: Record<number, string> = {
	200: 'OK',
	201: 'Created',
	202: 'Accepted',
	204: 'No Content',
	301: 'Moved Permanently',
	302: 'Found',
	304: 'Not Modified',
	307: 'Temporary Redirect',
	308: 'Permanent Redirect',
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	406: 'Not Acceptable',
	408: 'Request Timeout',
	409: 'Conflict',
	410: 'Gone',
	413: 'Content Too Large',
	415: 'Unsupported Media Type',
	422: 'Unprocessable Content',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	501: 'Not Implemented',
	502: 'Bad Gateway',
	503: 'Service Unavailable',
	504: 'Gateway Timeout',
	521: 'Web Server Is Down',
	522: 'Connection Timed Out',
	523: 'Origin Is Unreachable',
	524: 'A Timeout Occurred'
};

const HINTS: Record<number, string> = {
	200: 'The destination processed the request.',
	201: 'The destination created a new record.',
	202: 'The destination accepted the request for later processing.',
	204: 'Succeeded; the destination returned no body.',
	308: 'The endpoint moved for good: update the destination URL.',
	400: 'The destination rejected the request as malformed or missing fields: check the body and mapping.',
	401: 'The credentials were missing, invalid or expired.',
	403: 'The credentials are valid but lack access to this resource.',
	404: 'The endpoint or record does not exist (any more).',
	405: 'The destination does not allow this HTTP method on this URL.',
	408: 'The destination took too long to read the request (retryable while attempts remain).',
	409: 'The request conflicts with the record’s current state.',
	410: 'The endpoint was removed.',
	413: 'The payload is larger than the destination accepts.',
	422: 'The body was well-formed but failed the destination’s validation.',
	429: 'The destination’s rate limit was hit; a retry waits for Retry-After.',
	500: 'The destination failed while handling the request (retryable while attempts remain).',
	502: 'A gateway in front of the destination got a bad answer (retryable while attempts remain).',
	503: 'The destination is temporarily unavailable (retryable while attempts remain).',
	504: 'A gateway in front of the destination timed out (retryable while attempts remain).',
	521: 'The destination’s web server refused the connection from its CDN.',
	523: 'The destination’s CDN could not reach the origin server.'
};

export type StatusClass = 'success' | 'redirect' | 'client-error' | 'server-error' | 'unknown';

export function statusClass(code: number): StatusClass {
	if (code >= 200 && code < 300) return 'success';
	if (code >= 300 && code < 400) return 'redirect';
	if (code >= 400 && code < 500) return 'client-error';
	if (code >= 500 && code < 600) return 'server-error';
	return 'unknown';
}

export function describeStatus(code: number): { reason: string; hint: string; class: StatusClass } {
	const cls = statusClass(code);
	const fallback: Record<StatusClass, string> = {
		success: 'Success',
		redirect: 'Redirect',
		'client-error': 'Client error',
		'server-error': 'Server error',
		unknown: 'Unknown status'
	};
	return { reason: REASONS[code] ?? fallback[cls], hint: HINTS[code] ?? '', class: cls };
}
