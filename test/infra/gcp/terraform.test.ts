import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdktfProvider } from '../provider-schema.js';
import { referenceProblems } from '../references.js';
import { ARCHIVE_FILE, schemaProblems, type ModuleSchemas } from '../schema-check.js';
import { REPO_ROOT, blocksOf, parseHcl, terraformFilesUnder, type TerraformFile } from '../terraform-files.js';

const MODULE_DIR = join(REPO_ROOT, 'infra/gcp');
const google = cdktfProvider('google');
const SCHEMAS: ModuleSchemas = { providers: [google], others: new Map([['data archive_file', ARCHIVE_FILE]]) };

let files: TerraformFile[];
beforeAll(async () => {
  files = await terraformFilesUnder(MODULE_DIR);
});

describe('infra/gcp: the module parses and matches the google provider schema', () => {
  it('has the layout of a published module, examples included', () => {
    const paths = files.map((f) => f.path);

    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'examples/project/main.tf', 'examples/organization/main.tf']) {
      expect(paths).toContain(`infra/gcp/${file}`);
    }
    expect(existsSync(join(MODULE_DIR, 'README.md'))).toBe(true);
  });

  it(`uses only resource types, data sources, arguments and blocks of hashicorp/google ${google.version()}`, () => {
    expect(schemaProblems(files, SCHEMAS)).toEqual([]);
    expect(blocksOf(files).length).toBeGreaterThan(20);
  });

  it('fails a misspelled argument, nested block argument, block, resource type and module input', async () => {
    const text = `
resource "google_cloudfunctions2_function" "typo" {
  locaton = "europe-west1"
  build_config {
    runtmie = "nodejs22"
  }
}
resource "google_pubsub_subscription" "typo" {
  dynamic "dead_letter" {
    for_each = []
    content {}
  }
}
resource "google_logging_projct_sink" "typo" {}
module "typo" {
  source     = "../.."
  project_id = "x"
  regoin     = "x"
}
`;
    const wrong = { path: 'infra/gcp/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };

    const problems = schemaProblems([...files, wrong], SCHEMAS);

    expect(problems.sort()).toEqual([
      'infra/gcp/wrong.tf google_cloudfunctions2_function.typo.build_config: unknown argument "runtmie"',
      'infra/gcp/wrong.tf google_cloudfunctions2_function.typo: unknown argument "locaton"',
      'infra/gcp/wrong.tf google_logging_projct_sink.typo: no resource type "google_logging_projct_sink" in the provider',
      'infra/gcp/wrong.tf google_pubsub_subscription.typo: dynamic "dead_letter" is not a block of this type',
      'infra/gcp/wrong.tf module.typo: required input "firestore_location" missing',
      'infra/gcp/wrong.tf module.typo: required input "region" missing',
      'infra/gcp/wrong.tf module.typo: unknown input "regoin"',
    ]);
  });

  it('names only declared variables, locals, resources, data sources and module outputs, and attributes they have', () => {
    expect(referenceProblems(files, SCHEMAS)).toEqual([]);
  });

  it('fails a reference to something undeclared or to an attribute the type lacks', async () => {
    const text = `
locals {
  wrong = [var.regoin, local.nothing, google_pubsub_topic.event.id, google_service_account.functions.mail, data.google_project.current.project_number]
  right = [var.region, local.functions, google_pubsub_topic.events.id, google_service_account.functions.email, data.google_project.current.number]
}
`;
    const wrong = { path: 'infra/gcp/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };
    const example = { path: 'infra/gcp/examples/project/wrong.tf', text: '', hcl: await parseHcl('wrong.tf', 'output "x" {\n  value = module.netdrift.no_such_output\n}\n') };

    const problems = referenceProblems([...files, wrong, example], SCHEMAS).filter((p) => p.includes('wrong.tf'));

    expect(problems.sort()).toEqual([
      'infra/gcp/examples/project/wrong.tf: module.netdrift.no_such_output: no such output',
      'infra/gcp/wrong.tf: data.google_project.current.project_number: no such attribute',
      'infra/gcp/wrong.tf: google_pubsub_topic.event is not declared',
      'infra/gcp/wrong.tf: google_service_account.functions.mail: no such attribute',
      'infra/gcp/wrong.tf: local.nothing is not declared',
      'infra/gcp/wrong.tf: var.regoin is not declared',
    ]);
  });

  it.runIf(spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0)('is formatted as terraform fmt writes it', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'infra/gcp'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(fmt.stdout.trim(), 'files terraform fmt would change').toBe('');
    expect(fmt.status).toBe(0);
  });
});
