// What realistic traffic looks like: the integrations a typical workspace runs, the event types each
// carries, and how often deliveries fail and with which codes. The generator draws from these.
import type { Environment, IntegrationType } from '../domain.ts';

export interface IntegrationProfile {
  name: string;
  type: IntegrationType;
  provider: string;
  environment: Environment;
  owner: string;
  service: string;
  flow: string;
  eventTypes: readonly string[];
  /** Relative share of all traffic. */
  weight: number;
  /** Probability that an event ends FAILED (before the generator's random variation). */
  failureRate: number;
  /** Error codes this integration fails with, weighted. */
  failureCodes: ReadonlyArray<readonly [code: string, weight: number]>;
  /** Path on the destination (outbound) or on the forwarding target (inbound). */
  path: string;
}

const HTTP_SERVER: ReadonlyArray<readonly [string, number]> = [
  ['500', 18],
  ['502', 8],
  ['503', 14],
  ['504', 7],
  ['TIMEOUT', 10],
  ['CONNECTION_REFUSED', 3],
];

export const DEMO_INTEGRATIONS: readonly IntegrationProfile[] = [
  {
    name: 'HubSpot contacts sync',
    type: 'OUTBOUND_WEBHOOK',
    provider: 'hubspot',
    environment: 'PRODUCTION',
    owner: 'revops@acme.test',
    service: 'crm-sync',
    flow: 'lead-lifecycle',
    eventTypes: ['contact.created', 'contact.updated', 'deal.stage_changed'],
    weight: 22,
    failureRate: 0.035,
    failureCodes: [...HTTP_SERVER, ['429', 16], ['401', 6], ['400', 8], ['404', 5], ['409', 4]],
    path: '/crm/v3/objects/contacts',
  },
  {
    name: 'Salesforce opportunities',
    type: 'PREBUILT',
    provider: 'salesforce',
    environment: 'PRODUCTION',
    owner: 'sales-eng@acme.test',
    service: 'crm-sync',
    flow: 'opportunity-sync',
    eventTypes: ['opportunity.created', 'opportunity.won', 'account.updated'],
    weight: 12,
    failureRate: 0.04,
    failureCodes: [...HTTP_SERVER, ['429', 10], ['401', 8], ['400', 10], ['852', 4], ['804', 3]],
    path: '/services/data/v60.0/sobjects/Opportunity',
  },
  {
    name: 'GoHighLevel inbound SMS',
    type: 'CUSTOM_NODE',
    provider: 'gohighlevel',
    environment: 'PRODUCTION',
    owner: 'support@acme.test',
    service: 'messaging',
    flow: 'sms-to-crm',
    eventTypes: ['message.inbound', 'contact.created'],
    weight: 10,
    failureRate: 0.05,
    failureCodes: [...HTTP_SERVER, ['429', 12], ['401', 5], ['400', 9], ['816', 5], ['811', 3], ['882', 4]],
    path: '/conversations/messages/inbound',
  },
  {
    name: 'Stripe payments',
    type: 'INBOUND_WEBHOOK',
    provider: 'stripe',
    environment: 'PRODUCTION',
    owner: 'finance-eng@acme.test',
    service: 'billing',
    flow: 'payment-lifecycle',
    eventTypes: ['payment_intent.succeeded', 'invoice.paid', 'charge.refunded', 'customer.subscription.updated'],
    weight: 18,
    failureRate: 0.02,
    failureCodes: [...HTTP_SERVER, ['400', 10], ['401', 4], ['413', 2], ['MAPPING', 3]],
    path: '/internal/billing/events',
  },
  {
    name: 'Shopify orders',
    type: 'INBOUND_WEBHOOK',
    provider: 'shopify',
    environment: 'PRODUCTION',
    owner: 'commerce@acme.test',
    service: 'orders',
    flow: 'order-attribution',
    eventTypes: ['orders/create', 'orders/paid', 'orders/fulfilled', 'refunds/create'],
    weight: 14,
    failureRate: 0.025,
    failureCodes: [...HTTP_SERVER, ['400', 8], ['409', 6], ['MAPPING', 4]],
    path: '/internal/orders/events',
  },
  {
    name: 'Slack #alerts',
    type: 'OUTBOUND_WEBHOOK',
    provider: 'slack',
    environment: 'PRODUCTION',
    owner: 'ops@acme.test',
    service: 'notifications',
    flow: 'ops-alerts',
    eventTypes: ['alert.conversion_spike', 'alert.delivery_failures', 'order.high_value'],
    weight: 6,
    failureRate: 0.02,
    failureCodes: [...HTTP_SERVER, ['429', 20], ['404', 6], ['403', 3]],
    path: '/services/T000/B000/XXXX',
  },
  {
    name: 'Zapier lead router',
    type: 'CUSTOM_EVENT',
    provider: 'zapier',
    environment: 'PRODUCTION',
    owner: 'growth@acme.test',
    service: 'automation',
    flow: 'lead-routing',
    eventTypes: ['lead.qualified', 'lead.assigned'],
    weight: 7,
    failureRate: 0.045,
    failureCodes: [...HTTP_SERVER, ['429', 8], ['400', 8], ['883', 4], ['884', 2], ['844', 2]],
    path: '/hooks/catch/000/lead',
  },
  {
    name: 'PayPal disputes (sandbox)',
    type: 'INBOUND_WEBHOOK',
    provider: 'paypal',
    environment: 'TEST',
    owner: 'finance-eng@acme.test',
    service: 'billing',
    flow: 'disputes',
    eventTypes: ['CUSTOMER.DISPUTE.CREATED', 'PAYMENT.CAPTURE.REFUNDED'],
    weight: 3,
    failureRate: 0.06,
    failureCodes: [...HTTP_SERVER, ['400', 6], ['401', 6]],
    path: '/internal/billing/disputes',
  },
  {
    name: 'Intercom conversations',
    type: 'PREBUILT',
    provider: 'intercom',
    environment: 'PRODUCTION',
    owner: 'support@acme.test',
    service: 'messaging',
    flow: 'support-sync',
    eventTypes: ['conversation.created', 'conversation.closed'],
    weight: 5,
    failureRate: 0.03,
    failureCodes: [
      ...HTTP_SERVER,
      ['429', 10],
      ['401', 4],
      ['404', 6],
      ['308', 1],
      ['405', 1],
      ['406', 1],
      ['408', 3],
      ['521', 2],
      ['523', 1],
    ],
    path: '/conversations',
  },
  {
    name: 'WooCommerce staging',
    type: 'CUSTOM_NODE',
    provider: 'woocommerce',
    environment: 'TEST',
    owner: 'commerce@acme.test',
    service: 'orders',
    flow: 'order-attribution',
    eventTypes: ['order.created', 'order.updated'],
    weight: 3,
    failureRate: 0.08,
    failureCodes: [...HTTP_SERVER, ['DNS', 3], ['TLS', 3], ['400', 6], ['404', 5]],
    path: '/wp-json/wc/v3/orders',
  },
];

/** Share of events that needed at least one retry before being delivered. */
export const RECOVERED_AFTER_RETRY_RATE = 0.04;
/** Share of payloads that carry rate-limit headers in their responses. */
export const RATE_LIMIT_HEADER_RATE = 0.6;
