import type { Drift } from '../finding.js';
import { isDefaultRoute } from '../private-ranges.js';
import { normalizeId, type Route, type RouteTable } from '../resource.js';
import { added, describeTarget, driftOf, OR_APPROVE, sameId, sameList, toInternetOrNat, type KindDiffer, type RuleContext, shortName } from './context.js';
import { compareText, InInputOrder, mergeSorted } from './sorted.js';

/** A route's identity: its name on GCP and Azure, its destination on AWS. */
export function routeKey(ctx: RuleContext, route: Route): string {
  return normalizeId(ctx.cloud, route.name ?? route.destination);
}

function sameRoute(ctx: RuleContext, a: Route, b: Route): boolean {
  return a.destination === b.destination && a.target.type === b.target.type && sameId(ctx.cloud, a.target.id, b.target.id);
}

/**
 * Whether a table is what its baseline says, route for route in the same order: most tables of two
 * snapshots are, and the check allocates nothing (the merge below would give no drift for them).
 */
function unchanged(ctx: RuleContext, baseline: RouteTable, observed: RouteTable): boolean {
  const a = baseline.routes;
  const b = observed.routes;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] as Route;
    const y = b[i] as Route;
    if (x.name !== y.name || x.destination !== y.destination || !(x.target === y.target || (x.target.type === y.target.type && x.target.id === y.target.id))) return false;
  }
  return sameList(ctx.cloud, baseline.subnets, observed.subnets) && sameList(ctx.cloud, baseline.propagations ?? [], observed.propagations ?? []);
}

/** Routes paired by a sorted merge on `routeKey`: added and changed ones in route order, then removed ones. */
function routeDrifts(ctx: RuleContext, table: RouteTable, baseline: readonly Route[], observed: readonly Route[]): Drift[] {
  const drifts = new InInputOrder<Drift>();
  const removed = new InInputOrder<Drift>();
  const label = (r: Route) => `${r.destination} → ${describeTarget(r.target)}`;
  const compare = (a: Route, b: Route) => compareText(routeKey(ctx, a), routeKey(ctx, b));
  mergeSorted(baseline, observed, compare, (old, route, oldAt, nowAt) => {
    if (!route) {
      if (!old) return;
      removed.push(oldAt, driftOf(table, 'route.removed', 'high', {
        item: old.name ?? old.destination, summary: `route ${label(old)} removed from ${shortName(table.id)}`,
        hint: `Recreate the route ${label(old)} on ${shortName(table.id)}, ${OR_APPROVE}.`, baseline: old,
      }));
      return;
    }
    const item = route.name ?? route.destination;
    if (old) {
      if (sameRoute(ctx, old, route)) return;
      drifts.push(nowAt, driftOf(table, 'route.target-changed', toInternetOrNat(route.target) ? 'critical' : 'high', {
        item: old.name ?? old.destination,
        summary: `route ${old.destination} on ${shortName(table.id)} now points to ${describeTarget(route.target)} (was ${describeTarget(old.target)})`,
        hint: `Point ${old.destination} on ${shortName(table.id)} back to ${describeTarget(old.target)}, ${OR_APPROVE}.`,
        baseline: old, observed: route,
      }));
    } else if (isDefaultRoute(route.destination)) {
      drifts.push(nowAt, driftOf(table, 'route.default-added', toInternetOrNat(route.target) ? 'critical' : 'high', {
        item, summary: `default route ${label(route)} added to ${shortName(table.id)}`,
        hint: `Delete the route ${route.destination} from ${shortName(table.id)}, ${OR_APPROVE}.`, observed: route,
      }));
    } else {
      drifts.push(nowAt, driftOf(table, 'route.added', toInternetOrNat(route.target) ? 'high' : 'medium', {
        item, summary: `route ${label(route)} added to ${shortName(table.id)}`,
        hint: `Delete the route ${route.destination} from ${shortName(table.id)}, ${OR_APPROVE}.`, observed: route,
      }));
    }
  });
  const result: Drift[] = [];
  drifts.drainInto(result);
  removed.drainInto(result);
  return result;
}

function setDrifts(
  ctx: RuleContext, table: RouteTable, field: 'subnets' | 'propagations',
  baseline: readonly string[], observed: readonly string[],
): Drift[] {
  const rule = field === 'subnets' ? 'route-table.association-changed' : 'route-table.propagation-changed';
  const noun = field === 'subnets' ? 'subnet' : 'route propagation from';
  const on = added(ctx.cloud, baseline, observed).map((value) => driftOf(table, rule, 'high', {
    item: value, summary: `${noun} ${shortName(value)} ${field === 'subnets' ? 'associated with' : 'enabled on'} ${shortName(table.id)}`,
    hint: `${field === 'subnets' ? 'Disassociate' : 'Disable propagation from'} ${shortName(value)} ${field === 'subnets' ? 'from' : 'on'} ${shortName(table.id)}, ${OR_APPROVE}.`,
    observed: value,
  }));
  const off = added(ctx.cloud, observed, baseline).map((value) => driftOf(table, rule, 'high', {
    item: value, summary: `${noun} ${shortName(value)} ${field === 'subnets' ? 'no longer associated with' : 'disabled on'} ${shortName(table.id)}`,
    hint: `${field === 'subnets' ? 'Associate' : 'Enable propagation from'} ${shortName(value)} ${field === 'subnets' ? 'with' : 'on'} ${shortName(table.id)} again, ${OR_APPROVE}.`,
    baseline: value,
  }));
  return [...on, ...off];
}

/**
 * Route tables (AWS route tables and TGW route tables, Azure route tables, GCP networks).
 * A table the baseline lacks is new: besides `route-table.created`, its contents are compared
 * with an empty table (its implicit local routes aside), so a new table with a default route
 * to the internet is as loud as an old one.
 */
export const diffRouteTable: KindDiffer<RouteTable> = (baseline, observed, ctx) => {
  if (baseline && !observed) {
    return [driftOf(baseline, 'route-table.deleted', 'high', {
      summary: `route table ${shortName(baseline.id)} deleted`,
      hint: `Recreate ${shortName(baseline.id)} from the baseline, ${OR_APPROVE}.`, baseline: baseline.routes,
    })];
  }
  if (!observed || (baseline && unchanged(ctx, baseline, observed))) return [];
  const drifts: Drift[] = [];
  const table = baseline ?? observed;
  if (!baseline) {
    drifts.push(driftOf(observed, 'route-table.created', 'low', {
      summary: `route table ${shortName(observed.id)} created${observed.network ? ` in ${shortName(observed.network)}` : ''}`,
      hint: `Delete ${shortName(observed.id)} if nobody meant to create it, ${OR_APPROVE}.`, observed: observed.routes,
    }));
  }
  const observedRoutes = baseline ? observed.routes : observed.routes.filter((r) => r.target.type !== 'local');
  drifts.push(...routeDrifts(ctx, table, baseline?.routes ?? [], observedRoutes));
  drifts.push(...setDrifts(ctx, table, 'subnets', baseline?.subnets ?? [], observed.subnets));
  drifts.push(...setDrifts(ctx, table, 'propagations', baseline?.propagations ?? [], observed.propagations ?? []));
  return drifts;
};
