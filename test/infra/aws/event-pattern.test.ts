import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand,
  PutTargetsCommand, RemoveTargetsCommand, type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLOUDTRAIL_DETAIL_TYPE, awsCatalogRow, serviceOf } from '../../../adapters/aws/catalog.js';
import { CORPUS_DIR, corpusAvailable, corpusFiles } from '../../support/corpus.js';
import { FIXTURES_ROOT } from '../../support/fixtures.js';
import { describeWithMoto, motoClientConfig } from '../../support/moto.js';
import { MODULE_DIR } from './terraform-files.js';

type Doc = Record<string, unknown>;

/** One event as EventBridge would carry it, and whether netdrift watches it (from the catalog, not the pattern). */
interface PatternCase {
  label: string;
  entry: Omit<PutEventsRequestEntry, 'Resources' | 'EventBusName'>;
  watched: boolean;
  why: 'watched' | 'failed call' | 'unwatched operation';
}

function verdict(detail: Doc): PatternCase['why'] {
  if (detail.errorCode) return 'failed call';
  return awsCatalogRow(String(detail.eventSource), String(detail.eventName)) ? 'watched' : 'unwatched operation';
}

/** A CloudTrail record put on a bus as the platform delivers API calls: source `aws.<service>`, the record as detail. */
function fromRecord(label: string, record: Doc): PatternCase {
  const why = verdict(record);
  return {
    label, why, watched: why === 'watched',
    entry: { Source: `aws.${serviceOf(String(record.eventSource))}`, DetailType: CLOUDTRAIL_DETAIL_TYPE, Detail: JSON.stringify(record) },
  };
}

function fromEnvelope(label: string, envelope: Doc): PatternCase {
  const detail = envelope.detail as Doc;
  const why = verdict(detail);
  return {
    label, why, watched: why === 'watched' && envelope['detail-type'] === CLOUDTRAIL_DETAIL_TYPE,
    entry: { Source: String(envelope.source), DetailType: String(envelope['detail-type']), Detail: JSON.stringify(detail) },
  };
}

/** Every event in a document: an EventBridge event, an SQS batch of them, a CloudTrail log file, or one record. */
function casesOf(label: string, doc: Doc): PatternCase[] {
  if ('detail-type' in doc) return [fromEnvelope(label, doc)];
  const records = Array.isArray(doc.Records) ? (doc.Records as Doc[]) : undefined;
  if (records?.every((r) => r.eventSource === 'aws:sqs')) {
    return records.flatMap((r, i) => casesOf(`${label}#${i}`, JSON.parse(String(r.body)) as Doc));
  }
  if (records) return records.flatMap((r, i) => casesOf(`${label}#${i}`, r));
  return [fromRecord(label, doc)];
}

function readJson(path: string): Doc {
  return JSON.parse(readFileSync(path, 'utf8')) as Doc;
}

function fixtureCases(): PatternCase[] {
  const root = join(FIXTURES_ROOT, 'aws');
  return readdirSync(root).flatMap((folder) => readdirSync(join(root, folder)).filter((f) => f.endsWith('.json')).flatMap((file) => {
    const label = `fixtures/aws/${folder}/${file}`;
    const doc = readJson(join(root, folder, file));
    if (folder !== 'cloudtrail') return casesOf(label, doc);
    // Each record also as a failed call, and as a call of an operation nobody watches.
    const failed = { ...structuredClone(doc), errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized' };
    const unwatched = { ...structuredClone(doc), eventName: `Describe${String(doc.eventName)}s` };
    return [...casesOf(label, doc), ...casesOf(`${label} (failed)`, failed), ...casesOf(`${label} (unwatched)`, unwatched)];
  }));
}

function corpusCases(): PatternCase[] {
  if (!corpusAvailable()) return [];
  return corpusFiles('aws').filter((f) => f.endsWith('.json')).flatMap((file) => casesOf(`corpus/aws/${basename(file)}`, readJson(file)));
}

describeWithMoto('infra/aws event pattern on a real matcher (EventBridge on moto)', () => {
  // moto does not implement TestEventPattern: events are put on a bus whose rule (the deployed
  // pattern, infra/aws/event-pattern.json) targets a queue, and what reaches the queue is what the
  // pattern matched. moto's matcher is EventBridge's semantics as moto implements them.
  const run = randomUUID().slice(0, 8);
  const events = new EventBridgeClient(motoClientConfig());
  const sqs = new SQSClient(motoClientConfig());
  const bus = `netdrift-pattern-${run}`;
  let queueUrl = '';

  beforeAll(async () => {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `netdrift-pattern-${run}` }))).QueueUrl ?? '';
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    await events.send(new PutRuleCommand({ Name: 'netdrift', EventBusName: bus, EventPattern: readFileSync(join(MODULE_DIR, 'event-pattern.json'), 'utf8') }));
    // Only the case tags go to the queue: moto builds each delivered message by JSONPath (one parse,
    // about 0.1 s, per path), eight paths for the whole event against one here.
    await events.send(new PutTargetsCommand({
      Rule: 'netdrift', EventBusName: bus,
      Targets: [{ Id: 'queue', Arn: queueArn, InputTransformer: { InputPathsMap: { tags: '$.resources' }, InputTemplate: '{"resources": <tags>}' } }],
    }));
  });

  afterAll(async () => {
    await events.send(new RemoveTargetsCommand({ Rule: 'netdrift', EventBusName: bus, Ids: ['queue'] }));
    await events.send(new DeleteRuleCommand({ Name: 'netdrift', EventBusName: bus }));
    await events.send(new DeleteEventBusCommand({ Name: bus }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });

  /** Which of the cases the rule delivered, by their index (carried in the event's `resources`). */
  async function delivered(cases: readonly PatternCase[]): Promise<Set<number>> {
    const entries = cases.map((c, i): PutEventsRequestEntry => ({ ...c.entry, EventBusName: bus, Resources: [`netdrift-case:${i}`] }));
    for (let i = 0; i < entries.length; i += 10) {
      const put = await events.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10) }));
      expect(put.FailedEntryCount).toBe(0);
    }
    const seen = new Set<number>();
    for (;;) {
      const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      if (!page.Messages?.length) return seen;
      for (const message of page.Messages) {
        const event = JSON.parse(message.Body ?? '{}') as { resources?: string[] };
        for (const tag of event.resources ?? []) seen.add(Number(tag.replace('netdrift-case:', '')));
      }
    }
  }

  function mismatches(cases: readonly PatternCase[], matched: Set<number>): string[] {
    return cases.flatMap((c, i) => (matched.has(i) === c.watched ? [] : [`${c.label} (${c.why}): ${matched.has(i) ? 'matched' : 'not matched'}`]));
  }

  it('matches every watched operation of the fixtures, and none of their failed or unwatched variants', async () => {
    const cases = fixtureCases();

    const matched = await delivered(cases);

    expect(mismatches(cases, matched)).toEqual([]);
    expect(cases.filter((c) => c.why === 'watched').length).toBeGreaterThanOrEqual(40);
    expect(matched.size).toBe(cases.filter((c) => c.watched).length);
  });

  it.runIf(corpusCases().length > 0 || process.env.CI === 'true')(`matches the watched operations of the real samples in ${CORPUS_DIR}/aws, not failed calls or unwatched operations`, async () => {
    const cases = corpusCases();

    const matched = await delivered(cases);

    expect(mismatches(cases, matched)).toEqual([]);
    for (const why of ['watched', 'failed call', 'unwatched operation']) {
      expect(cases.filter((c) => c.why === why).length, `corpus cases: ${why}`).toBeGreaterThan(0);
    }
  });
});
