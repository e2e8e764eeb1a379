import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from '../terraform-files.js';

/** The generated file the module reads its Event Grid event subscriptions from. */
export const EVENT_SUBSCRIPTIONS_PATH = join(REPO_ROOT, 'infra/azure/event-subscriptions.json');

const EventSubscriptionsSchema = z.object({
  subscriptions: z.array(z.object({
    name: z.string().regex(/^[a-z0-9-]+$/),
    includedEventTypes: z.array(z.string()),
    advancedFilters: z.array(z.object({ operatorType: z.literal('StringIn'), key: z.literal('data.operationName'), values: z.array(z.string()) })),
  })),
});
export type EventSubscriptions = z.infer<typeof EventSubscriptionsSchema>;

/** infra/azure/event-subscriptions.json, parsed. */
export function committedEventSubscriptions(): EventSubscriptions {
  return EventSubscriptionsSchema.parse(JSON.parse(readFileSync(EVENT_SUBSCRIPTIONS_PATH, 'utf8')));
}

/**
 * What keeps the event subscriptions from delivering exactly the catalog: an operation no
 * subscription filters for, one filtered twice (delivered twice), one not in the catalog, and a
 * subscription over Event Grid's limit of filter values.
 */
export function coverageProblems(file: EventSubscriptions, operations: readonly string[], maxValues: number): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const subscription of file.subscriptions) {
    const values = subscription.advancedFilters.flatMap((f) => f.values);
    if (values.length > maxValues) problems.push(`${subscription.name}: ${values.length} filter values, more than ${maxValues}`);
    for (const value of values) {
      const key = value.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) problems.push(`${value}: in ${first} and ${subscription.name}`);
      else seen.set(key, subscription.name);
      if (!operations.some((o) => o.toLowerCase() === key)) problems.push(`${value}: not a catalog operation`);
    }
  }
  for (const operation of operations) if (!seen.has(operation.toLowerCase())) problems.push(`${operation}: in no event subscription`);
  return problems;
}
