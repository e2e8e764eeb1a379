import { describe, expect, it } from 'vitest';
import {
  API, NETWORK, PROJECT, ROUTER, SHARED_NETWORK, SUBNET, auditLog, changesOf, parseEntry, provenance, setPath,
} from './fixtures.js';

const NONE = { kind: 'none' };
const ADDRESS = `projects/${PROJECT}/regions/europe-west1/addresses/nat-ip-1`;

describe('compute.routes', () => {
  it('insert puts the route, by name, on its network', () => {
    const entry = auditLog('compute.routes.insert');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'global', kind: 'route-table', id: NETWORK, action: 'update',
      payload: { kind: 'delta', deltas: [{
        op: 'put-item', field: 'routes', key: ['name'],
        item: {
          name: 'egress-bypass', destination: '0.0.0.0/0', priority: 900, tags: ['egress-bypass'],
          target: { type: 'internet', id: `projects/${PROJECT}/global/gateways/default-internet-gateway` },
        },
      }] },
    }]);
  });

  it('insert without priority or tags gets the API default priority, 1000', () => {
    const entry = auditLog('compute.routes.insert');
    setPath(entry, 'protoPayload.request.priority', undefined);
    setPath(entry, 'protoPayload.request.tags', undefined);

    const [change] = changesOf(entry);

    expect(change?.payload).toMatchObject({ deltas: [{ item: { priority: 1000 } }] });
    expect(change?.payload).not.toMatchObject({ deltas: [{ item: { tags: expect.anything() } }] });
  });

  it('insert with a partial network URL names the network by its full path', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.request.network', 'global/networks/prod-vpc');

    const [change] = changesOf(entry);

    expect(change?.id).toBe(NETWORK);
  });

  it('insert without destRange is rejected, naming the field', () => {
    const entry = setPath(auditLog('compute.routes.insert'), 'protoPayload.request.destRange', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected', reason: 'LogEntry compute.routes.insert: protoPayload.request.destRange missing',
    });
  });

  it('delete names only the route: the network holding it is located by name', () => {
    const entry = auditLog('compute.routes.delete');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'global', kind: 'route-table', id: '', action: 'update',
      locate: { field: 'routes', match: { name: 'to-onprem-10-50' } },
      payload: { kind: 'delta', deltas: [{ op: 'remove-item', field: 'routes', match: { name: 'to-onprem-10-50' } }] },
    }]);
  });

  it('delete of a resource that is not a route is rejected', () => {
    const entry = setPath(auditLog('compute.routes.delete'), 'protoPayload.resourceName', `projects/${PROJECT}/global/networks/prod-vpc`);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected',
      reason: 'LogEntry compute.routes.delete: protoPayload.resourceName: expected projects/P/global/routes/NAME, got "projects/acme-net-prod/global/networks/p…"',
    });
  });
});

describe('compute.routers (Cloud NAT)', () => {
  const nat = (name: string, subnets: string[], publicIps: string[]) => ({
    kind: 'nat-gateway', id: `${ROUTER}/nats/${name}`, region: 'europe-west1', network: NETWORK, subnets, publicIps,
  });
  const full = (name: string, subnets: string[], publicIps: string[]) => ({ kind: 'full', state: nat(name, subnets, publicIps) });
  const removed = (...kept: string[]) => ({
    id: '', region: 'europe-west1', kind: 'nat-gateway', action: 'delete', payload: NONE,
    select: { idPrefix: `${ROUTER}/nats/`, except: kept.map((name) => `${ROUTER}/nats/${name}`) },
  });

  it('insert yields each NAT config as a whole nat-gateway; ALL_SUBNETWORKS means every subnet', () => {
    const entry = auditLog('compute.routers.insert');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'europe-west1', kind: 'nat-gateway', id: `${ROUTER}/nats/nat-all`, action: 'create',
      payload: full('nat-all', ['*'], []),
    }]);
  });

  it('insert of a router without NAT (BGP for a VPN) is ignored as unwatched', () => {
    const entry = setPath(auditLog('compute.routers.insert'), 'protoPayload.request.nats', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: 'compute.routers.insert without nats',
      operation: { key: (entry.operation as { id: string }).id, phase: 'first', failed: false },
    });
  });

  it('ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES also means every subnet', () => {
    const entry = setPath(auditLog('compute.routers.insert'), 'protoPayload.request.nats.0.sourceSubnetworkIpRangesToNat',
      'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES');

    const [change] = changesOf(entry);

    expect(change?.payload).toMatchObject({ state: { subnets: ['*'] } });
  });

  it('patch (beta) yields the NATs it lists, and every other NAT of the router as deleted', () => {
    const entry = auditLog('compute.routers.patch');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([
      { ...provenance(entry), region: 'europe-west1', kind: 'nat-gateway', id: `${ROUTER}/nats/nat-app`, action: 'update',
        payload: full('nat-app', [SUBNET], [ADDRESS]) },
      { ...provenance(entry), ...removed('nat-app') },
    ]);
  });

  it('patch without nats leaves the NATs alone: ignored as unwatched', () => {
    const entry = setPath(auditLog('compute.routers.patch'), 'protoPayload.request.nats', undefined);
    setPath(entry, 'protoPayload.request.bgp', { asn: 64514 });

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'ignored', eventId: entry.insertId, reason: 'unwatched', detail: 'compute.routers.patch without nats',
      operation: { key: (entry.operation as { id: string }).id, phase: 'first', failed: false },
    });
  });

  it("patch without the router's network sets only the NAT's subnets and public IPs", () => {
    const entry = setPath(auditLog('compute.routers.patch'), 'protoPayload.request.network', undefined);

    const [change] = changesOf(entry);

    expect(change?.payload).toStrictEqual({ kind: 'delta', deltas: [
      { op: 'set', field: 'subnets', value: [SUBNET] }, { op: 'set', field: 'publicIps', value: [ADDRESS] },
    ] });
  });

  it('update replaces the router: its NATs (AUTO_ONLY has no listed IPs), and the others deleted', () => {
    const entry = auditLog('compute.routers.update');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([
      { ...provenance(entry), region: 'europe-west1', kind: 'nat-gateway', id: `${ROUTER}/nats/nat-app`, action: 'update',
        payload: full('nat-app', [SUBNET], [ADDRESS]) },
      { ...provenance(entry), region: 'europe-west1', kind: 'nat-gateway', id: `${ROUTER}/nats/nat-db`, action: 'update',
        payload: full('nat-db', [`projects/${PROJECT}/regions/europe-west1/subnetworks/db-ew1`], []) },
      { ...provenance(entry), ...removed('nat-app', 'nat-db') },
    ]);
  });

  it('update without nats removes every NAT of the router', () => {
    const entry = setPath(auditLog('compute.routers.update'), 'protoPayload.request.nats', undefined);

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{ ...provenance(entry), ...removed() }]);
  });

  it('delete removes every NAT of the router', () => {
    const entry = auditLog('compute.routers.delete');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'europe-west1', kind: 'nat-gateway', id: '', action: 'delete', payload: NONE,
      select: { idPrefix: `${ROUTER}/nats/` },
    }]);
  });

  it('a NAT without a name is rejected, naming the field', () => {
    const entry = setPath(auditLog('compute.routers.patch'), 'protoPayload.request.nats.0.name', '');

    const record = parseEntry(entry);

    expect(record).toStrictEqual({ status: 'rejected', reason: 'LogEntry compute.routers.patch: protoPayload.request.nats[0].name empty' });
  });
});

describe('compute.networks peerings', () => {
  const ID = `${NETWORK}/peerings/to-shared-svc`;

  it('addPeering yields the whole peering', () => {
    const entry = auditLog('compute.networks.addPeering');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{
      ...provenance(entry), region: 'global', kind: 'peering', id: ID, action: 'create',
      payload: { kind: 'full', state: { kind: 'peering', id: ID, region: 'global', network: NETWORK, peerNetwork: SHARED_NETWORK } },
    }]);
  });

  it('addPeering in its older form (name, peerNetwork) yields the same peering', () => {
    const entry = setPath(auditLog('compute.networks.addPeering'), 'protoPayload.request',
      { '@type': 'type.googleapis.com/compute.networks.addPeering', name: 'to-shared-svc', peerNetwork: `${API}${SHARED_NETWORK}`, autoCreateRoutes: true });

    const [change] = changesOf(entry);

    expect(change?.payload).toStrictEqual({
      kind: 'full', state: { kind: 'peering', id: ID, region: 'global', network: NETWORK, peerNetwork: SHARED_NETWORK },
    });
  });

  it('addPeering without the peer network is rejected', () => {
    const entry = setPath(auditLog('compute.networks.addPeering'), 'protoPayload.request.networkPeering.network', undefined);

    const record = parseEntry(entry);

    expect(record).toStrictEqual({
      status: 'rejected', reason: 'LogEntry compute.networks.addPeering: protoPayload.request.networkPeering.network missing',
    });
  });

  it('removePeering deletes the named peering', () => {
    const entry = auditLog('compute.networks.removePeering');

    const changes = changesOf(entry);

    expect(changes).toStrictEqual([{ ...provenance(entry), region: 'global', kind: 'peering', id: ID, action: 'delete', payload: NONE }]);
  });
});
