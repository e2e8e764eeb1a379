/**
 * The state of the fake ARM server (fake-arm.ts): resources by id, with ARM's read-time composition —
 * a route table carries its routes and a VNet its subnets and peerings inline, and route tables and NAT gateways
 * list the subnets that point at them (unless seeded with a list of their own, as a published example is).
 */
export type ArmBody = Record<string, unknown> & { id: string };

/** Children ARM returns inline in their parent: `<parent type>/<child type>` → the parent's property. */
const INLINE: Readonly<Record<string, string>> = {
  'microsoft.network/routetables/routes': 'routes',
  'microsoft.network/virtualnetworks/subnets': 'subnets',
  'microsoft.network/virtualnetworks/virtualnetworkpeerings': 'virtualNetworkPeerings',
};
/** Back-references ARM fills in: a subnet's `properties.<field>.id` → the holder's `properties.subnets`. */
const HOLDERS: Readonly<Record<string, string>> = { 'microsoft.network/routetables': 'routeTable', 'microsoft.network/natgateways': 'natGateway' };
const RECORD_TYPES = new Set(['a', 'aaaa', 'cname', 'mx', 'ptr', 'srv', 'txt', 'soa']);

/** An ARM id taken apart: `/subscriptions/s/resourceGroups/g/providers/ns/t1/n1/t2/n2`. */
export function idParts(id: string) {
  const parts = id.replace(/\/+$/, '').split('/');
  const at = parts.findIndex((part) => part.toLowerCase() === 'providers');
  const typed = at < 0 ? [] : parts.slice(at + 2);
  const types = typed.filter((_, i) => i % 2 === 0);
  return {
    subscription: (parts[2] ?? '').toLowerCase(),
    resourceGroup: parts[3]?.toLowerCase() === 'resourcegroups' ? parts[4] ?? '' : '',
    type: at < 0 ? '' : [parts[at + 1] ?? '', ...types].join('/').toLowerCase(),
    /** The type as the id spells it (`Microsoft.Network/routeTables`). */
    spelled: at < 0 ? '' : [parts[at + 1] ?? '', ...types].join('/'),
    name: typed.length % 2 === 0 ? typed[typed.length - 1] ?? '' : '',
    depth: types.length,
    /** The path a list of this resource's siblings is served at (its id without its name). */
    collection: parts.slice(0, -1).join('/').toLowerCase(),
    parent: types.length > 1 ? parts.slice(0, -2).join('/').toLowerCase() : undefined,
  };
}

export class FakeArmStore {
  private readonly resources = new Map<string, ArmBody>();

  /** Stores a resource (its inline children as resources of their own); returns whether it is new. */
  put(body: Record<string, unknown>, id = String(body.id ?? '')): boolean {
    const key = id.toLowerCase();
    const created = !this.resources.has(key);
    const parts = idParts(id);
    const properties = { ...(body.properties as Record<string, unknown> | undefined) };
    for (const [path, field] of Object.entries(INLINE)) {
      if (!path.startsWith(`${parts.type}/`) || !Array.isArray(properties[field])) continue;
      for (const child of properties[field] as Record<string, unknown>[]) this.put(child);
      delete properties[field];
    }
    this.resources.set(key, { ...body, id, name: body.name ?? parts.name, type: body.type ?? parts.spelled, properties });
    return created;
  }

  /** Removes a resource and everything under it; returns whether it was there. */
  remove(id: string): boolean {
    const key = id.toLowerCase();
    const had = this.resources.delete(key);
    for (const other of [...this.resources.keys()]) if (other.startsWith(`${key}/`)) this.resources.delete(other);
    return had;
  }

  has(id: string): boolean {
    return this.resources.has(id.toLowerCase());
  }

  /** A resource as ARM serves it (children and back-references composed), or undefined. */
  get(id: string): ArmBody | undefined {
    const stored = this.resources.get(id.toLowerCase());
    if (!stored) return undefined;
    const parts = idParts(stored.id);
    const properties = { ...(stored.properties as Record<string, unknown>) };
    for (const [path, field] of Object.entries(INLINE)) {
      if (path.startsWith(`${parts.type}/`)) properties[field] = this.children(stored.id, path).map((child) => this.get(child.id));
    }
    const holder = HOLDERS[parts.type];
    if (holder && !Array.isArray(properties.subnets)) {
      properties.subnets = this.all().filter((r) => idParts(r.id).type === 'microsoft.network/virtualnetworks/subnets'
        && String((r.properties as Record<string, { id?: string } | undefined>)[holder]?.id ?? '').toLowerCase() === stored.id.toLowerCase())
        .map((subnet) => ({ id: subnet.id }));
    }
    return { ...stored, properties };
  }

  /** Whether a list path names a parent that is missing (ARM: 404 ParentResourceNotFound). */
  missingParent(path: string): boolean {
    const parts = idParts(`${path}/x`);
    return parts.parent !== undefined && !this.has(parts.parent);
  }

  /**
   * The resources a list path names, sorted by id: a subscription-wide or resource-group list of a top-level type,
   * a parent's children of one type, or a private DNS zone's record sets of every type (`…/privateDnsZones/z/ALL`).
   */
  list(path: string): ArmBody[] {
    const lower = path.replace(/\/+$/, '').toLowerCase();
    const all = this.all();
    const bySubscription = /^\/subscriptions\/([^/]+)\/providers\/([^/]+\/[^/]+)$/.exec(lower);
    if (bySubscription) {
      return all.filter((r) => { const p = idParts(r.id); return p.subscription === bySubscription[1] && p.type === bySubscription[2] && p.depth === 1; });
    }
    if (lower.endsWith('/all') && lower.includes('/privatednszones/')) {
      const zone = lower.slice(0, -'/all'.length);
      return all.filter((r) => { const p = idParts(r.id); return p.parent === zone && RECORD_TYPES.has(p.type.split('/').pop() ?? ''); });
    }
    return all.filter((r) => idParts(r.id).collection === lower);
  }

  /** Top-level resources of the given lower-cased types in the given subscriptions, for Resource Graph. */
  graphRows(types: readonly string[], subscriptions: ReadonlySet<string>) {
    return this.all().flatMap((r) => {
      const p = idParts(r.id);
      if (p.depth !== 1 || !types.includes(p.type) || !subscriptions.has(p.subscription)) return [];
      return [{ id: r.id, type: p.type, subscriptionId: p.subscription, resourceGroup: p.resourceGroup.toLowerCase(), location: r.location ?? 'global' }];
    });
  }

  /** Every subscription holding a resource. */
  subscriptions(): string[] {
    return [...new Set(this.all().map((r) => idParts(r.id).subscription))].sort();
  }

  private children(parentId: string, path: string): ArmBody[] {
    const parent = parentId.toLowerCase();
    return this.all().filter((r) => { const p = idParts(r.id); return p.parent === parent && p.type === path; });
  }

  private all(): ArmBody[] {
    return [...this.resources.values()].sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  }
}
