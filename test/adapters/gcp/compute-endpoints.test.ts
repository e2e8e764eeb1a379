import { describe, expect, it } from 'vitest';
import { isPrivateServiceConnectTarget } from '../../../adapters/gcp/index.js';
import { API, NETWORK, PROJECT, SUBNET, auditLog, changesOf, parseEntry, provenance, setPath } from './fixtures.js';

const NONE = { kind: 'none' };
const REGIONAL = `projects/${PROJECT}/regions/europe-west1/forwardingRules/psc-payments`;
const GLOBAL = `projects/${PROJECT}/global/forwardingRules/pscapis`;
const ATTACHMENT = 'projects/payments-prod-4411/regions/europe-west1/serviceAttachments/payments-api';

describe('forwarding rules as Private Service Connect endpoints', () => {
  it('forwardingRules.insert to a service attachment yields the whole endpoint', () => {
    const entry = auditLog('compute.forwardingRules.insert');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'europe-west1', kind: 'private-endpoint', id: REGIONAL, action: 'create',
      payload: { kind: 'full', state: { kind: 'private-endpoint', id: REGIONAL, region: 'europe-west1', service: ATTACHMENT, network: NETWORK } },
    }]);
  });

  it('an endpoint with a subnetwork lists it as its subnet', () => {
    const entry = setPath(auditLog('compute.forwardingRules.insert'), 'protoPayload.request.subnetwork', `${API}${SUBNET}`);

    const [change] = changesOf(entry);

    expect(change?.payload).toMatchObject({ state: { subnets: [SUBNET] } });
  });

  it('globalForwardingRules.insert to the all-apis bundle yields a global endpoint', () => {
    const entry = auditLog('compute.globalForwardingRules.insert');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'global', kind: 'private-endpoint', id: GLOBAL, action: 'create',
      payload: { kind: 'full', state: { kind: 'private-endpoint', id: GLOBAL, region: 'global', service: 'all-apis', network: NETWORK } },
    }]);
  });

  it('the vpc-sc bundle is an endpoint too', () => {
    const entry = setPath(auditLog('compute.globalForwardingRules.insert'), 'protoPayload.request.target', 'vpc-sc');

    const [change] = changesOf(entry);

    expect(change?.payload).toMatchObject({ state: { service: 'vpc-sc' } });
  });

  it.each([
    ['compute.forwardingRules.insert', 'an internal passthrough load balancer (backendService, no target)', {
      name: 'ilb-app', IPProtocol: 'TCP', ports: ['443'], loadBalancingScheme: 'INTERNAL',
      backendService: `${API}projects/${PROJECT}/regions/europe-west1/backendServices/app-be`,
    }],
    ['compute.forwardingRules.insert', 'a target pool', {
      name: 'nlb-app', IPProtocol: 'TCP', portRange: '80-80', target: `${API}projects/${PROJECT}/regions/europe-west1/targetPools/app-pool`,
    }],
    ['compute.globalForwardingRules.insert', 'an external HTTPS load balancer', {
      name: 'https-app', IPProtocol: 'TCP', portRange: '443-443', loadBalancingScheme: 'EXTERNAL_MANAGED',
      target: `${API}projects/${PROJECT}/global/targetHttpsProxies/app-proxy`,
    }],
  ])('%s of %s is ignored as unwatched', (method, _what, request) => {
    const entry = setPath(auditLog(method), 'protoPayload.request', { ...request, '@type': `type.googleapis.com/${method}` });

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: `${method}: not a Private Service Connect endpoint`,
      operation: { key: (entry.operation as { id: string }).id, phase: 'first', failed: false },
    });
  });

  it.each([
    ['compute.forwardingRules.delete', REGIONAL, 'europe-west1'],
    ['compute.globalForwardingRules.delete', GLOBAL, 'global'],
  ])('%s deletes the endpoint (a rule the baseline lacks yields nothing in the pipeline)', (method, id, region) => {
    const entry = auditLog(method);

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{ ...provenance(entry), region, kind: 'private-endpoint', id, action: 'delete', payload: NONE }]);
  });

  it('tells endpoint targets from load balancer targets', () => {
    expect([
      isPrivateServiceConnectTarget('all-apis'), isPrivateServiceConnectTarget('vpc-sc'),
      isPrivateServiceConnectTarget(`${API}${ATTACHMENT}`), isPrivateServiceConnectTarget(ATTACHMENT),
      isPrivateServiceConnectTarget(`${API}projects/p/global/targetHttpProxies/x`), isPrivateServiceConnectTarget(undefined),
    ]).toStrictEqual([true, true, true, true, false, false]);
  });
});

describe('subnets (Private Google Access)', () => {
  it('setPrivateIpGoogleAccess sets privateAccess', () => {
    const entry = auditLog('compute.subnetworks.setPrivateIpGoogleAccess');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'europe-west1', kind: 'subnet', id: SUBNET, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'privateAccess', value: false }] },
    }]);
  });

  it('patch with privateIpGoogleAccess sets privateAccess', () => {
    const entry = auditLog('compute.subnetworks.patch');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'europe-west1', kind: 'subnet', id: SUBNET, action: 'update',
      payload: { kind: 'delta', deltas: [{ op: 'set', field: 'privateAccess', value: true }] },
    }]);
  });

  it('patch of flow logs only is ignored as unwatched', () => {
    const entry = setPath(auditLog('compute.subnetworks.patch'), 'protoPayload.request',
      { '@type': 'type.googleapis.com/compute.subnetworks.patch', fingerprint: 'Wq3m3aS0ZJo=', logConfig: { enable: false } });

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: 'compute.subnetworks.patch without privateIpGoogleAccess',
      operation: { key: (entry.operation as { id: string }).id, phase: 'first', failed: false },
    });
  });

  it('privateIpGoogleAccess that is not a boolean is rejected', () => {
    const entry = setPath(auditLog('compute.subnetworks.setPrivateIpGoogleAccess'), 'protoPayload.request.privateIpGoogleAccess', 'off');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected',
      reason: 'LogEntry compute.subnetworks.setPrivateIpGoogleAccess: protoPayload.request.privateIpGoogleAccess: expected boolean, got "off"',
    });
  });
});
