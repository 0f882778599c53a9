import { type Remediation, remediationsFor } from '@switchboard/db';
import { builder } from '../builder.ts';
import { ErrorCategoryEnum, IntegrationTypeEnum } from './enums.ts';

export const RemediationRef = builder.objectRef<Remediation>('Remediation').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    label: t.exposeString('label'),
    category: t.field({ type: ErrorCategoryEnum, resolve: (r) => r.category }),
    type: t.field({ type: IntegrationTypeEnum, resolve: (r) => r.type }),
    applicable: t.exposeBoolean('applicable'),
    retryable: t.exposeBoolean('retryable'),
    guidance: t.string({ nullable: true, description: 'Null when not applicable.', resolve: (r) => r.guidance }),
  }),
});

builder.queryField('errorCatalog', (t) =>
  t.field({
    type: [RemediationRef],
    description: 'What each error code means and what to do about it, per integration type.',
    authScopes: { read: true },
    args: { code: t.arg.string(), type: t.arg({ type: IntegrationTypeEnum }) },
    resolve: (_root, args) => remediationsFor({ code: args.code, type: args.type }),
  }),
);
