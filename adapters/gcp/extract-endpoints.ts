import { z } from 'zod';
import type { PrivateEndpoint } from '../../core/resource.js';
import {
  fromRequest, OptionalText, readRequest, resourcePath, touched,
  type AuditCall, type ChangeDraft, type MethodExtractor,
} from './extraction.js';
import { gcpResourcePath, qualifiedPath, regionOfPath } from './resource-path.js';

const FORWARDING_RULE = /^projects\/[^/]+\/(?:global|regions\/[^/]+)\/forwardingRules\/[^/]+$/;
const FORWARDING_RULE_SHAPE = 'projects/P/global/forwardingRules/NAME or projects/P/regions/R/forwardingRules/NAME';
const SUBNET = /^projects\/[^/]+\/regions\/[^/]+\/subnetworks\/[^/]+$/;
const SUBNET_SHAPE = 'projects/P/regions/R/subnetworks/NAME';

/**
 * The Google API bundles a Private Service Connect endpoint can target:
 * https://cloud.google.com/vpc/docs/about-accessing-google-apis-endpoints#supported-apis
 */
const API_BUNDLES = new Set(['all-apis', 'vpc-sc']);

const ForwardingRuleRequest = z.looseObject({
  target: z.string().min(1),
  network: OptionalText,
  subnetwork: OptionalText,
});

const PrivateAccessRequest = z.looseObject({ privateIpGoogleAccess: z.boolean() });

/**
 * Whether a forwarding rule's target makes it a Private Service Connect endpoint: a Google API
 * bundle or a published service's attachment. Load balancer rules target proxies, pools or
 * backend services instead (https://cloud.google.com/load-balancing/docs/forwarding-rule-concepts).
 */
export function isPrivateServiceConnectTarget(target: unknown): target is string {
  if (typeof target !== 'string') return false;
  const value = target.trim();
  return API_BUNDLES.has(value) || /(?:^|\/)serviceAttachments\/[^/]+$/.test(gcpResourcePath(value));
}

function notPrivateServiceConnect(method: string) {
  return (request: Record<string, unknown>) =>
    (isPrivateServiceConnectTarget(request.target) ? undefined : `${method}: not a Private Service Connect endpoint`);
}

function ruleTouched(call: AuditCall): ChangeDraft[] {
  const id = resourcePath(call, FORWARDING_RULE, FORWARDING_RULE_SHAPE);
  return [touched(id, regionOfPath(id))];
}

function insertEndpoint(call: AuditCall): ChangeDraft[] {
  const request = readRequest(ForwardingRuleRequest, call);
  const id = resourcePath(call, FORWARDING_RULE, FORWARDING_RULE_SHAPE);
  const region = regionOfPath(id);
  const target = request.target.trim();
  const state: PrivateEndpoint = {
    kind: 'private-endpoint', id, region,
    service: API_BUNDLES.has(target) ? target : gcpResourcePath(target),
    ...(request.network ? { network: qualifiedPath(request.network, call.project, 'global/networks') } : {}),
    ...(request.subnetwork ? { subnets: [qualifiedPath(request.subnetwork, call.project, `regions/${region}/subnetworks`)] } : {}),
  };
  return [{ id, region, payload: { kind: 'full', state } }];
}

function subnetTouched(call: AuditCall): ChangeDraft[] {
  const id = resourcePath(call, SUBNET, SUBNET_SHAPE);
  return [touched(id, regionOfPath(id))];
}

function setPrivateAccess(call: AuditCall): ChangeDraft[] {
  const { privateIpGoogleAccess } = readRequest(PrivateAccessRequest, call);
  const id = resourcePath(call, SUBNET, SUBNET_SHAPE);
  return [{ id, region: regionOfPath(id), payload: { kind: 'delta', deltas: [{ op: 'set', field: 'privateAccess', value: privateIpGoogleAccess }] } }];
}

/**
 * Forwarding rules (as Private Service Connect endpoints) and subnets (Private Google Access).
 * A forwarding rule delete names no target, so it is taken to be an endpoint's: the pipeline
 * yields nothing for a rule the baseline lacks.
 */
export const endpointExtractors: Readonly<Record<string, MethodExtractor>> = {
  'compute.forwardingRules.insert': fromRequest(insertEndpoint, ruleTouched, notPrivateServiceConnect('compute.forwardingRules.insert')),
  'compute.forwardingRules.delete': { extract: ruleTouched, affected: ruleTouched },
  'compute.globalForwardingRules.insert':
    fromRequest(insertEndpoint, ruleTouched, notPrivateServiceConnect('compute.globalForwardingRules.insert')),
  'compute.globalForwardingRules.delete': { extract: ruleTouched, affected: ruleTouched },
  // A subnet patch that leaves Private Google Access alone (flow logs, secondary ranges) changes nothing netdrift keeps.
  'compute.subnetworks.patch': fromRequest(setPrivateAccess, subnetTouched,
    (request) => ('privateIpGoogleAccess' in request ? undefined : 'compute.subnetworks.patch without privateIpGoogleAccess')),
  'compute.subnetworks.setPrivateIpGoogleAccess': fromRequest(setPrivateAccess, subnetTouched),
};
