// The template's IAM, as the local cloud evaluates it: every AWS::IAM::Role with its inline policies,
// its managed policies (AWS::IAM::ManagedPolicy of the template, or AWS managed ones by ARN) and the
// AWS::IAM::Policy / AWS::IAM::ManagedPolicy resources that attach themselves to it by name.
// Intrinsics are already resolved by the caller (template.ts), so ARNs are the local cloud's ARNs.
import { AWS_MANAGED_POLICIES } from './aws-managed.js';
import type { NamedPolicy, PolicyDocument } from './policy.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface LocalRole {
  logicalId: string;
  name: string;
  arn: string;
  policies: NamedPolicy[];
  /** Managed policy ARNs the local cloud has no document for: they grant nothing locally. */
  unknownManagedPolicies: string[];
}

const objectOf = (value: Json | undefined): Record<string, Json> =>
  value && typeof value === 'object' && !Array.isArray(value) ? value : {};
const strings = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)];

export function translateRoles(
  resources: [string, { Type: string }][],
  props: (id: string) => Record<string, Json>,
  physical: (id: string) => { ref: string; attributes: Record<string, string> },
): LocalRole[] {
  const managed = new Map<string, NamedPolicy>();
  const attachedByRole = new Map<string, NamedPolicy[]>();
  const attach = (roleName: string, policy: NamedPolicy) =>
    attachedByRole.set(roleName, [...(attachedByRole.get(roleName) ?? []), policy]);

  for (const [id, r] of resources) {
    if (r.Type === 'AWS::IAM::ManagedPolicy') {
      const p = props(id);
      const policy: NamedPolicy = {
        name: physical(id).ref,
        kind: 'customer-managed',
        document: p.PolicyDocument as unknown as PolicyDocument,
      };
      managed.set(physical(id).ref, policy);
      for (const role of strings(p.Roles)) attach(role, policy);
    } else if (r.Type === 'AWS::IAM::Policy') {
      const p = props(id);
      const policy: NamedPolicy = {
        name: `${String(p.PolicyName ?? id)} (${id})`,
        kind: 'attached',
        document: p.PolicyDocument as unknown as PolicyDocument,
      };
      for (const role of strings(p.Roles)) attach(role, policy);
    }
  }

  return resources
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .map(([id]) => {
      const p = props(id);
      const name = physical(id).ref;
      const inline: NamedPolicy[] = (Array.isArray(p.Policies) ? p.Policies : []).map((entry) => {
        const e = objectOf(entry);
        return {
          name: String(e.PolicyName),
          kind: 'inline',
          document: e.PolicyDocument as unknown as PolicyDocument,
        };
      });
      const unknownManagedPolicies: string[] = [];
      const managedPolicies: NamedPolicy[] = [];
      for (const arn of strings(p.ManagedPolicyArns)) {
        const own = managed.get(arn);
        const aws = AWS_MANAGED_POLICIES[arn];
        if (own) managedPolicies.push(own);
        else if (aws) managedPolicies.push({ name: arn, kind: 'aws-managed', document: aws });
        else unknownManagedPolicies.push(arn);
      }
      return {
        logicalId: id,
        name,
        arn: physical(id).attributes.Arn as string,
        // A customer managed policy both listed by the role and naming the role counts once.
        policies: [...new Set([...inline, ...managedPolicies, ...(attachedByRole.get(name) ?? [])])],
        unknownManagedPolicies,
      };
    });
}
