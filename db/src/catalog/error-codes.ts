// The error-code catalog: every code an event can end with, how to label and group it on
// dashboards, whether the delivery worker retries it, and what an operator should do about it for
// each integration type. Backs `errorCatalog(code, type)` and the labels of `ErrorCodeCount`.

import { INTEGRATION_TYPES } from '../domain.ts';
import type { ErrorCategory, IntegrationType } from '../domain.ts';

/** Operator guidance per integration type; null means the code cannot occur for that type. */
export type GuidanceByType = Readonly<Record<IntegrationType, string | null>>;

export interface ErrorCodeInfo {
  readonly code: string;
  readonly label: string;
  readonly category: ErrorCategory;
  readonly retryable: boolean;
  readonly byType: GuidanceByType;
}

/** One (code × integration type) row, the shape of the GraphQL `Remediation` type. */
export interface Remediation {
  code: string;
  label: string;
  category: ErrorCategory;
  type: IntegrationType;
  applicable: boolean;
  retryable: boolean;
  guidance: string | null;
}

export interface RemediationFilter {
  code?: string | null;
  type?: IntegrationType | null;
}

function entry(code: string, label: string, category: ErrorCategory, retryable: boolean, byType: GuidanceByType): ErrorCodeInfo {
  return Object.freeze({ code, label, category, retryable, byType: Object.freeze({ ...byType }) });
}

// Order is part of the contract (stable API output): HTTP ascending, platform, network, MAPPING, STUCK.
export const ERROR_CATALOG: readonly ErrorCodeInfo[] = Object.freeze([
  // A permanent redirect repeats on every attempt: only changing the URL helps, so no retry.
  entry('308', 'Permanent Redirect', 'CLIENT', false, {
    INBOUND_WEBHOOK: null,
    OUTBOUND_WEBHOOK:
      "The receiver has moved this endpoint for good. Open the failed attempt, take the new address from its Location response header, put it in the destination URL on the integration's settings, then replay the failed events.",
    PREBUILT:
      "The provider now redirects the connector's endpoint, typically after retiring an API version or moving the account to another region. Check the provider's changelog and raise it with the provider if the redirect does not go away.",
    CUSTOM_NODE:
      "The API you call has permanently relocated this endpoint. Copy the target from the Location header recorded on the attempt, update the URL in the custom node's configuration and replay the failed events.",
    CUSTOM_EVENT: null,
  }),
  entry('400', 'Bad Request', 'CLIENT', false, {
    INBOUND_WEBHOOK:
      "The webhook request was judged malformed. Confirm the provider sends a JSON body with Content-Type application/json to the ingest URL shown on the integration's page, and compare a failing request in the event log with the format the provider documents.",
    OUTBOUND_WEBHOOK:
      "The receiver refused the payload as invalid. Read the response body on the failed attempt, adjust the field mapping on the integration's settings to what the receiver expects, then replay the failed events.",
    PREBUILT:
      "The provider rejected the request the connector built, most often because a mapped field carries a value it does not accept. Read the reason in the attempt's response body, correct the field mapping and replay.",
    CUSTOM_NODE:
      "The target API found the request invalid. Check the method, URL, headers and body recorded on the failed attempt against the provider's API reference, fix the custom node's configuration or field mapping, then replay.",
    CUSTOM_EVENT:
      'The published event was refused as malformed. Make your application post valid JSON to POST /v1/events with an eventType and a payload object, and read the message returned in the response for the exact field at fault.',
  }),
  entry('401', 'Unauthorized', 'AUTH', false, {
    INBOUND_WEBHOOK:
      "The webhook signature did not verify. Make sure the provider signs with the integration's current signing secret and the expected scheme; if in doubt, rotate the secret on the integration's page and paste the new value into the provider's webhook settings.",
    OUTBOUND_WEBHOOK:
      'The receiver turned down the credentials Switchboard sent. Reconnect the integration with a valid token or key from its page; after repeated authentication failures the integration moves to ERROR and holds deliveries until it is reconnected.',
    PREBUILT:
      'The provider no longer accepts the stored credentials (expired token, revoked app or rotated key). Reconnect the integration with fresh credentials from its page, then replay the events that failed in the meantime.',
    CUSTOM_NODE:
      'The API rejected the credentials configured for the custom node. Verify the header name and token format the API expects, reconnect the integration with corrected credentials from its page, then replay the failed events.',
    CUSTOM_EVENT:
      "Your application's publish call carried no valid key. Send an API key with the INGEST scope in the Authorization header, and create a new one under API keys if the previous key was revoked.",
  }),
  entry('403', 'Forbidden', 'AUTH', false, {
    INBOUND_WEBHOOK: null,
    OUTBOUND_WEBHOOK:
      "The receiver recognised the request but will not allow it, typically because of an IP allow-list or a token without the needed permission. Ask the receiver's owner to allow Switchboard's outgoing addresses or widen the token, then reconnect and replay.",
    PREBUILT:
      'The connected account lacks a permission or scope this connector needs. Reconnect the integration from its page with an account or consent screen that grants those scopes, then replay the failed events.',
    CUSTOM_NODE:
      "The key or token on the custom node has no access to the requested resource. Grant the missing role or scope in the provider's console, reconnect the integration with the updated credentials and replay.",
    CUSTOM_EVENT: null,
  }),
  entry('404', 'Not Found', 'CLIENT', false, {
    INBOUND_WEBHOOK:
      "The provider is posting to an ingest URL that matches no integration, usually because the integration was deleted or the id in the URL is wrong. Copy the ingest URL from the integration's page into the provider's webhook settings.",
    OUTBOUND_WEBHOOK:
      "Nothing answers at the configured address. Check the destination URL on the integration's settings for a wrong path, a typo or a route the receiver removed, correct it and replay the failed events.",
    PREBUILT:
      'The record the connector tried to reach no longer exists at the provider (deleted, merged or held by another account). Look up the source record id on the failed event, restore or recreate the record, then replay.',
    CUSTOM_NODE:
      "The API does not know the requested URL or record. Verify the endpoint path and any record ids inserted into it by the custom node's configuration, then replay.",
    CUSTOM_EVENT:
      'The publish call referred to an integration or event type this workspace does not have. Compare the identifiers your application sends with the integrations list, and recreate the custom event integration if it was removed.',
  }),
  entry('405', 'Method Not Allowed', 'CLIENT', false, {
    INBOUND_WEBHOOK:
      "Ingest URLs only take POST. Change the provider's webhook configuration so it sends POST requests to the integration's ingest URL.",
    OUTBOUND_WEBHOOK:
      "The receiver does not accept the HTTP method used for this integration on that URL. Ask its owner which method the route supports, and check that the destination URL on the integration's settings points at the webhook route and not at a web page.",
    PREBUILT:
      "The provider no longer allows the method the connector uses on this endpoint, which usually means the endpoint was retired. Check the provider's API changelog and ask the provider when a fix is due.",
    CUSTOM_NODE:
      "The API refuses the configured method on this URL. Look up the right verb (GET, POST, PUT, PATCH…) in the provider's API reference and correct the method and URL of the custom node.",
    CUSTOM_EVENT: "Events can only be published with POST to /v1/events. Change your application's client to use POST.",
  }),
  entry('406', 'Not Acceptable', 'CLIENT', false, {
    INBOUND_WEBHOOK: null,
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      'The provider cannot answer in the representation the connector asked for. Nothing on the integration changes this; report it to the provider along with the traceId of a failed attempt.',
    CUSTOM_NODE:
      "The API cannot produce a response matching the request's Accept header. Set Accept and Content-Type headers the API supports, usually application/json, in the custom node's configuration, then replay.",
    CUSTOM_EVENT: null,
  }),
  entry('408', 'Request Timeout', 'CLIENT', true, {
    INBOUND_WEBHOOK:
      "The provider's request did not arrive in full before the server stopped waiting, often because of a slow link or a very large body. Most providers resend on their own; otherwise check the provider's delivery log and trigger a resend there.",
    OUTBOUND_WEBHOOK:
      "The receiver did not read the request in time. Switchboard retries on the integration's schedule; if it keeps happening, have the receiver acknowledge with 2xx first and do its work afterwards.",
    PREBUILT:
      "The provider gave up waiting for the request. Attempts are retried automatically; if they all fail, check the provider's status page before replaying the failed events.",
    CUSTOM_NODE:
      'The API closed the connection before the request was complete. Retries run by themselves; if they keep failing, check whether the payload is unusually large and whether the endpoint is healthy.',
    CUSTOM_EVENT:
      'Your application took too long to send the body of its publish call. Check its network path to Switchboard and resend any event not acknowledged with 2xx, reusing the same idempotency key so nothing is stored twice.',
  }),
  entry('409', 'Conflict', 'CLIENT', false, {
    INBOUND_WEBHOOK: null,
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The provider refused the change because it clashes with the record's present state, such as a duplicate or a concurrent edit made elsewhere. Inspect the record at the provider and replay the event once the clash is settled.",
    CUSTOM_NODE:
      'The API reported a conflict with the target resource, for instance a duplicate key or a stale version. Read the response body on the attempt, resolve the conflict at the provider, then replay the event.',
    CUSTOM_EVENT: null,
  }),
  // The seed's row for 413 has one cell fewer than its header; an oversized body can hit any type
  // (Switchboard's own ingest limit or a destination's), so it applies to all five.
  entry('413', 'Content Too Large', 'CLIENT', false, {
    INBOUND_WEBHOOK:
      'The provider sent a body above the size Switchboard accepts on ingest. Configure the provider to send slimmer webhooks (fewer expanded objects, references instead of attachments) so they fit.',
    OUTBOUND_WEBHOOK:
      "The receiver will not take a payload this big. Map fewer or shorter fields on the integration's settings, or ask the receiver's owner to raise the body limit, then replay the failed events.",
    PREBUILT:
      'The mapped payload is larger than the provider allows. Trim bulky fields such as long texts or embedded files through the field mapping, then replay.',
    CUSTOM_NODE:
      "The request body exceeded the API's limit. Look up the documented maximum, send fewer or smaller fields from the custom node's mapping and replay.",
    CUSTOM_EVENT:
      'The published event is larger than Switchboard accepts. Have your application send a smaller payload, for example an id the receiver can look up rather than the whole record.',
  }),
  entry('429', 'Too Many Requests', 'RATE_LIMIT', true, {
    INBOUND_WEBHOOK:
      "The provider is sending faster than this workspace's ingest rate allows. Switchboard answered with Retry-After, so compliant providers resend later; if yours drops events instead, lower its send rate or have it batch.",
    OUTBOUND_WEBHOOK:
      "The receiver is throttling deliveries and Switchboard waits for its Retry-After before trying again. If a backlog builds up, ask the receiver's owner for a higher limit or lengthen the integration's retry schedule.",
    PREBUILT:
      "The connected account hit the provider's API limit; deliveries pick up again after the window resets. Check the rate-limit values recorded on the attempt and, if it recurs, trim the subscribed event types or move to a larger provider plan.",
    CUSTOM_NODE:
      'The API is throttling the custom node. Retries respect its Retry-After; compare the x-ratelimit values recorded on the attempt with your traffic and cut the volume or request a higher allowance from the provider.',
    CUSTOM_EVENT:
      'Your application is publishing faster than the workspace permits. Wait for the Retry-After seconds in the response, resend, and spread publishing out more evenly.',
  }),
  entry('500', 'Internal Server Error', 'SERVER', true, {
    INBOUND_WEBHOOK:
      "Either Switchboard failed while accepting the webhook or the service it forwards to crashed. Search the server logs for the event's traceId; providers normally resend, and failed forwards retry on schedule.",
    OUTBOUND_WEBHOOK:
      "The receiver crashed while handling the webhook and Switchboard will try again on schedule. Hand the event's traceId to the receiver's owner so they can find the fault in their logs, and replay once it is fixed.",
    PREBUILT:
      "The provider hit an internal fault and the attempt will be retried. If failures continue, watch the provider's status page and replay the failed events after it recovers.",
    CUSTOM_NODE:
      'The API failed while processing the call; retries are automatic. If the same event fails every time, its payload may trigger a bug at the provider, so send them the request recorded on the attempt.',
    CUSTOM_EVENT:
      'Switchboard or the destination broke while handling the published event; deliveries retry on schedule. Look the traceId up in the server logs, and republish with the same idempotency key only if the publish call itself received the 500.',
  }),
  entry('502', 'Bad Gateway', 'SERVER', true, {
    INBOUND_WEBHOOK:
      "A proxy or load balancer in front of Switchboard got no usable answer from it. Check that the server process is running and its health endpoint responds; the provider's own retries then go through.",
    OUTBOUND_WEBHOOK:
      "A gateway in front of the receiver got a broken answer from the service behind it. Deliveries are retried; if this lasts, ask the receiver's owner to look at the upstream behind their proxy.",
    PREBUILT:
      "The provider's edge could not reach its own backend. It is usually short-lived and retried automatically; replay the failed events once the provider's status page shows it healthy.",
    CUSTOM_NODE:
      "A proxy in front of the API passed on a bad upstream response. Retries are automatic; if it persists, the trouble is in the provider's infrastructure, so check its status page.",
    CUSTOM_EVENT:
      'A gateway between your application, Switchboard and the destination could not reach its upstream. Resend unacknowledged publishes with the same idempotency key, and check the health of Switchboard and of the destination.',
  }),
  entry('503', 'Service Unavailable', 'SERVER', true, {
    INBOUND_WEBHOOK:
      'Switchboard could not take events at that moment (for example its database was unreachable) and told the provider to come back later. Restore the database connection; ingest recovers on its own afterwards.',
    OUTBOUND_WEBHOOK:
      'The receiver is overloaded or in maintenance. Switchboard keeps retrying and honours Retry-After; replay any events left FAILED once it is back.',
    PREBUILT:
      'The provider is temporarily out of service and retries continue on schedule. Follow its status page and replay what failed after the outage.',
    CUSTOM_NODE:
      'The API is temporarily down; retries carry on automatically. If the outage outlasts the retry schedule, replay the failed events once it ends.',
    CUSTOM_EVENT:
      'Either Switchboard was not accepting events, in which case resend with the same idempotency key after the Retry-After delay, or the destination was down, in which case deliveries retry and anything left FAILED can be replayed.',
  }),
  entry('504', 'Gateway Timeout', 'SERVER', true, {
    INBOUND_WEBHOOK:
      'A proxy in front of Switchboard stopped waiting for the ingest endpoint. Look at server load and database latency; providers resend, and the idempotency key keeps duplicates out.',
    OUTBOUND_WEBHOOK:
      'A gateway in front of the receiver timed out waiting for it. Have the receiver respond before doing slow work, and replay the failed events.',
    PREBUILT:
      "The provider's gateway timed out, which is on the provider's side; attempts are retried automatically. Replay whatever is left FAILED after it recovers.",
    CUSTOM_NODE:
      "The API's gateway gave up waiting for its backend; retries are automatic. If one call is always slow, ask the provider whether an asynchronous or bulk endpoint exists.",
    CUSTOM_EVENT:
      'A gateway timed out on the way to Switchboard or to the destination. Resend unacknowledged publishes with the same idempotency key and let scheduled retries handle the delivery.',
  }),
  // Retryable: the origin behind a CDN refusing connections is an outage on the far side, usually temporary.
  entry('521', 'Web Server Is Down', 'SERVER', true, {
    INBOUND_WEBHOOK:
      "The CDN in front of your Switchboard server could not open a connection to it. Check that the server is running and that your firewall admits the CDN's addresses.",
    OUTBOUND_WEBHOOK:
      "The receiver's CDN (Cloudflare, typically) was refused by the origin server behind it. Ask the receiver's owner to bring the origin back or allow the CDN's addresses, then replay.",
    PREBUILT:
      "The provider's origin servers are refusing connections from its CDN, an outage on the provider's side. Attempts are retried; replay the rest after it recovers.",
    CUSTOM_NODE:
      'The CDN in front of the API could not connect to the origin, pointing to an outage or firewall change at the provider. Retries continue; contact the provider if it does not clear.',
    CUSTOM_EVENT:
      "An origin behind a CDN refused connections, either Switchboard's own (check that the server is up) or the destination's (deliveries retry; replay anything left FAILED).",
  }),
  // Retryable: an unreachable origin is a routing or hosting outage that typically clears without any change on our side.
  entry('523', 'Origin Is Unreachable', 'SERVER', true, {
    INBOUND_WEBHOOK:
      'The CDN in front of Switchboard cannot route to the server at all. Check the origin address and DNS record configured at the CDN, and that the host is up.',
    OUTBOUND_WEBHOOK:
      "The receiver's CDN cannot route to its origin, because of a wrong origin address or a network outage. Ask the receiver's owner to check their CDN origin settings, then replay.",
    PREBUILT:
      "The provider's CDN cannot reach its origin, which means a provider outage. Keep an eye on its status page and replay once it clears.",
    CUSTOM_NODE:
      "The API's CDN cannot reach the origin server. Retries are automatic; report a persistent failure to the provider with the traceId of an attempt.",
    CUSTOM_EVENT:
      "A CDN could not route to its origin, either Switchboard's or the destination's. Verify your own CDN's origin settings first, then check the destination.",
  }),

  // Platform codes, raised while running the action an event triggers. Never seen on plain outbound webhooks.
  // Retryable: a processing fault for a single event is usually transient, and later attempts often succeed.
  entry('804', 'Action Processing Failed', 'PLATFORM', true, {
    INBOUND_WEBHOOK:
      'The event was received, but the action it triggers could not be carried out. Read the errorMessage on the event, fix the cause (often a payload shape the action did not expect) and replay it.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The provider took the call but failed to run the action behind it. The exact meaning varies by provider: read the response body on the attempt and look the code up in the provider's documentation.",
    CUSTOM_NODE:
      "The API reported it could not process the action. Read the details in the attempt's response and check the call's parameters against the provider's documentation before replaying.",
    CUSTOM_EVENT:
      'The action fed by this published event could not be processed. Inspect its errorMessage and payload in the event log, correct the data in your application, then replay.',
  }),
  // Retryable: a failed hand-off for execution is transient; the retry schedule normally gets it through.
  entry('811', 'Action Submission Failed', 'PLATFORM', true, {
    INBOUND_WEBHOOK:
      'The incoming event was stored, but passing its action on for execution failed. It is retried automatically; if it ends FAILED, search the server logs for its traceId and replay it from the event log.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The provider could not queue the action, and retries continue. If every attempt fails, check the provider's status and the response body on the attempt, then replay.",
    CUSTOM_NODE:
      "The API would not accept the action for execution; retries continue. If it keeps failing, confirm the endpoint and payload against the provider's documentation.",
    CUSTOM_EVENT:
      'The action for the published event could not be submitted. It is retried on schedule; replay it from the event log if it ends FAILED.',
  }),
  // Not retryable: retrying cannot create the missing profile.
  entry('816', 'Profile Not Found', 'PLATFORM', false, {
    INBOUND_WEBHOOK:
      'The event points to a user or contact the destination does not have, so its action was skipped. Check which payload field the mapping uses as the identifier, create the profile, then replay.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      'The provider has no contact or user matching the identifier sent. Make sure the field mapping sends the key the provider matches on (email, external id), and replay once the record exists.',
    CUSTOM_NODE:
      "The API found no profile for the identifier in the request. Check which field the custom node's mapping uses as the key and that the record exists at the provider, then replay.",
    CUSTOM_EVENT:
      'The published event names a user the system does not know. Have your application create or sync the profile before publishing events about it, then replay the failed ones.',
  }),
  // Not retryable: the user has to verify first, which no retry can bring about.
  entry('844', 'Profile Not Verified', 'PLATFORM', false, {
    INBOUND_WEBHOOK:
      'The matching profile exists but is unverified, so the action was held back. Replay the event after the user completes verification.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      'The provider will not act on an unverified contact or account. Complete the verification at the provider, or stop sending events for such users, and then replay.',
    CUSTOM_NODE:
      'The API requires a verified profile for this call. Verify it at the provider, or stop calling for users who have not verified yet, then replay.',
    CUSTOM_EVENT:
      'The event concerns a user who has not verified their profile. Have your application publish only after verification, and replay the failed events once the user is verified.',
  }),
  // Not retryable: an unresolvable parameter is a mapping error, which DESIGN.md excludes from retries.
  entry('852', 'Action Parameters Unresolved', 'PLATFORM', false, {
    INBOUND_WEBHOOK:
      "Values the action needs could not be drawn from the webhook payload. Compare the integration's field mapping with the payload stored on the event, fix the paths that resolve to nothing, then replay.",
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The connector could not fill the parameters the provider requires. Point every required field of the integration's field mapping at a value present in the event, then replay.",
    CUSTOM_NODE:
      "Placeholders in the custom node's URL, headers or body could not be filled from the event. Fix the field mapping, or the payload, so each of them resolves, then replay.",
    CUSTOM_EVENT:
      'The published payload lacks fields the mapping relies on. Add them in your application or loosen the mapping, then replay the failed events.',
  }),
  // Retryable: a per-second cap clears within seconds, exactly like 429.
  entry('882', 'TPS Rate Exceeded', 'RATE_LIMIT', true, {
    INBOUND_WEBHOOK:
      "Events are coming in faster than the workspace's per-second allowance. Smooth the provider's traffic with batching or a lower send rate; held events are retried automatically.",
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The connected account went over the provider's per-second cap; retries back off by themselves. If it happens often, ask the provider for a higher cap or trim the subscribed event types.",
    CUSTOM_NODE:
      "The API caps calls per second and this one went over. Retries back off automatically; compare the provider's documented rate with the rate-limit headers on the attempts and ask for more headroom if needed.",
    CUSTOM_EVENT:
      'Your application is publishing faster than the per-second allowance. Absorb bursts with a client-side queue and resend rejected events after a short pause.',
  }),
  // Retryable: quotas reset at the end of their window, and the schedule's later steps (hours apart) outlast it.
  entry('883', 'TPS Quota Exceeded', 'RATE_LIMIT', true, {
    INBOUND_WEBHOOK:
      'The workspace has used up its event quota for the current period. Cut what the provider sends (unsubscribe from unused event types) or raise the quota, and replay what failed after the reset.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The connected account's quota at the provider is spent; deliveries resume when it resets. Check the daily-remaining values on recent attempts and upgrade the provider plan if it keeps running out.",
    CUSTOM_NODE:
      "The API's quota for this account is exhausted, so attempts after the reset will go through. Lower the call volume or ask the provider for a larger quota.",
    CUSTOM_EVENT:
      'Your application has spent its publishing quota for the period. Publish fewer events (drop types nobody consumes) or raise the quota, then republish what was rejected.',
  }),
  // Not retryable: a disabled feature stays disabled until someone enables it.
  entry('884', 'Contact Policy Disabled', 'PLATFORM', false, {
    INBOUND_WEBHOOK:
      'The action behind this event needs the contact policy feature, which is off for the workspace. Have a workspace admin turn it on, then replay the failed events.',
    OUTBOUND_WEBHOOK: null,
    PREBUILT:
      "The provider declined because the connected account has no contact policy enabled. Turn it on in the provider's account settings (the exact name varies by provider), then replay.",
    CUSTOM_NODE:
      'The API requires a contact policy that is not enabled on the account used by the custom node. Enable it at the provider, then replay the failed events.',
    CUSTOM_EVENT:
      'The published event triggers an action that depends on the contact policy feature, which is switched off. Ask a workspace admin to enable it and replay the events that failed.',
  }),

  // Network conditions: the worker never got an HTTP answer. All are retried (DESIGN.md).
  entry('TIMEOUT', 'Timed out', 'NETWORK', true, {
    INBOUND_WEBHOOK:
      'Forwarding the received event to your destination got no answer in time; retries follow the schedule. Make the receiving endpoint reply quickly and move heavy work after the reply.',
    OUTBOUND_WEBHOOK:
      'The destination did not answer before the delivery timeout, and retries are automatic. Compare the attempt durations with the timeout and make the receiver return 2xx right away, processing in the background.',
    PREBUILT: "The provider did not respond in time; attempts are retried. Check the provider's status page if timeouts keep coming back.",
    CUSTOM_NODE:
      'The API took longer than the timeout allows; retries are automatic. Find out whether the endpoint is known to be slow and whether a lighter call would serve.',
    CUSTOM_EVENT:
      "The destination of the published event did not reply in time; retries follow the schedule. Speed up the receiver's acknowledgement if this keeps happening.",
  }),
  entry('CONNECTION_REFUSED', 'Connection refused', 'NETWORK', true, {
    INBOUND_WEBHOOK:
      'Nothing accepted the connection when the event was forwarded. Make sure the receiving service is running and listening on the host and port of the destination URL.',
    OUTBOUND_WEBHOOK:
      "The destination host refused the connection. Confirm the receiver is up and that the destination URL on the integration's settings has the right host and port, then replay.",
    PREBUILT:
      "The provider's host refused the connection, usually during an outage. Retries continue, and anything left FAILED can be replayed once it is reachable again.",
    CUSTOM_NODE:
      "The API's host refused the connection. Check the host and port in the custom node's URL and that no firewall blocks Switchboard's outgoing traffic.",
    CUSTOM_EVENT:
      'The destination refused the connection. Check that the receiving service is running and reachable from Switchboard, then replay the failed events.',
  }),
  entry('DNS', 'DNS lookup failed', 'NETWORK', true, {
    INBOUND_WEBHOOK:
      "The hostname of the service the event is forwarded to does not resolve. Look for a typo in the destination URL on the integration's settings and make sure its DNS record exists.",
    OUTBOUND_WEBHOOK:
      "The destination hostname could not be resolved. Check the destination URL on the integration's settings for a typo or a lapsed domain, and check the DNS resolver of the Switchboard host.",
    PREBUILT:
      "The provider's hostname did not resolve, which almost always means a DNS problem on the Switchboard host. Check that host's resolver configuration.",
    CUSTOM_NODE: "The hostname in the custom node's URL could not be resolved. Correct the URL or the DNS record, then replay.",
    CUSTOM_EVENT:
      "The destination's hostname could not be resolved. Fix the destination URL or its DNS record, then replay the failed events.",
  }),
  entry('TLS', 'TLS handshake failed', 'NETWORK', true, {
    INBOUND_WEBHOOK:
      'The secure connection to the forwarding destination failed (expired or self-signed certificate, or a hostname mismatch). Renew or correct the certificate on the receiving service.',
    OUTBOUND_WEBHOOK:
      "The TLS handshake with the destination failed. Ask the receiver's owner to renew the certificate or serve its full chain, and make sure the destination URL uses the hostname the certificate names.",
    PREBUILT:
      "The TLS handshake with the provider failed, which usually points to a stale CA bundle or a wrong clock on the Switchboard host. Check the host's system time and trusted certificates.",
    CUSTOM_NODE:
      "The API's certificate could not be verified. Check that the hostname in the custom node's URL matches the certificate and that the certificate has not expired.",
    CUSTOM_EVENT:
      'The secure connection to the destination failed. Have its certificate renewed or corrected, then replay the failed events.',
  }),

  // Raised by the delivery worker itself. A mapping that cannot resolve fails the same way every time.
  entry('MAPPING', 'Field mapping unresolved', 'PLATFORM', false, {
    INBOUND_WEBHOOK:
      "The integration's field mapping refers to a path missing from the webhook payload. Compare the mapping with the payload stored on the event, correct it on the integration's settings and replay.",
    OUTBOUND_WEBHOOK:
      "A field of the integration's mapping could not be resolved from the event. Fix the mapping on the integration's settings and replay the failed events.",
    PREBUILT:
      "The connector's field mapping points at data the event lacks. Give every required provider field a source in the mapping on the integration's settings, then replay.",
    CUSTOM_NODE: "The custom node's field mapping cannot be applied to this event. Correct the paths in the mapping and replay.",
    CUSTOM_EVENT:
      "The published payload does not hold what the mapping expects. Bring your application's payload and the mapping back in line, then replay.",
  }),
  // Retryable: the worker that held the event died; the event itself may well be fine.
  entry('STUCK', 'Stuck in processing', 'PLATFORM', true, {
    INBOUND_WEBHOOK:
      "The worker forwarding this event stopped mid-delivery, so after 15 minutes in PROCESSING the event was reclaimed and queued again. Check the worker's logs for a crash or restart at that time.",
    OUTBOUND_WEBHOOK:
      'The event spent 15 minutes in PROCESSING because its worker died, and Switchboard put it back in the queue. Look for a worker crash in the logs and make sure the destination does not hold connections open without answering.',
    PREBUILT:
      "A worker stopped while calling the provider, so the event was reclaimed after 15 minutes and will be attempted again. Check the worker's logs, and look for a duplicate record at the provider in case the first call had gone through.",
    CUSTOM_NODE:
      "The custom node call never finished because its worker went away; the event was reclaimed after 15 minutes and rescheduled. Check the worker's logs and whether the API leaves requests hanging.",
    CUSTOM_EVENT:
      "The published event sat in PROCESSING for 15 minutes after its worker stopped, and has been queued again. Check the worker's logs for the cause of the stop.",
  }),
]);

const BY_CODE: ReadonlyMap<string, ErrorCodeInfo> = new Map(ERROR_CATALOG.map((info) => [info.code, info]));

/** Exact catalog entry for a code (case and surrounding blanks ignored), or undefined. */
export function lookupErrorCode(code: string): ErrorCodeInfo | undefined {
  return BY_CODE.get(code.trim().toUpperCase());
}

/** 'SERVER' for any 5xx, 'CLIENT' for any 4xx, undefined for anything else. */
function httpClassOf(code: string): 'SERVER' | 'CLIENT' | undefined {
  const trimmed = code.trim();
  if (!/^\d{3}$/.test(trimmed)) return undefined;
  if (trimmed.startsWith('5')) return 'SERVER';
  if (trimmed.startsWith('4')) return 'CLIENT';
  return undefined;
}

/** A label and category for any code, never throwing, so dashboards can name codes the catalog lacks. */
export function describeErrorCode(code: string): { label: string; category: ErrorCategory } {
  const known = lookupErrorCode(code);
  if (known) return { label: known.label, category: known.category };
  switch (httpClassOf(code)) {
    case 'SERVER':
      return { label: 'Server error (5xx)', category: 'SERVER' };
    case 'CLIENT':
      return { label: 'Client error (4xx)', category: 'CLIENT' };
    default:
      return { label: 'Unknown error', category: 'PLATFORM' };
  }
}

/** Whether the delivery worker should schedule another attempt; unknown codes: 5xx yes, anything else no. */
export function isRetryableCode(code: string): boolean {
  const known = lookupErrorCode(code);
  if (known) return known.retryable;
  return httpClassOf(code) === 'SERVER';
}

/** One row per (code × integration type) in catalog order, narrowed by the filter; an unknown code yields none. */
export function remediationsFor(filter: RemediationFilter = {}): Remediation[] {
  const entries = filter.code == null ? ERROR_CATALOG : [lookupErrorCode(filter.code)].filter((e) => e !== undefined);
  const types: readonly IntegrationType[] = filter.type == null ? INTEGRATION_TYPES : [filter.type];
  const rows: Remediation[] = [];
  for (const info of entries) {
    for (const type of types) {
      const guidance = info.byType[type];
      rows.push({
        code: info.code,
        label: info.label,
        category: info.category,
        type,
        applicable: guidance !== null,
        retryable: info.retryable,
        guidance,
      });
    }
  }
  return rows;
}
