import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdktfProvider } from '../provider-schema.js';
import { referenceProblems } from '../references.js';
import { ARCHIVE_FILE, schemaProblems, type ModuleSchemas } from '../schema-check.js';
import { REPO_ROOT, blocksOf, parseHcl, terraformFilesUnder, type TerraformFile } from '../terraform-files.js';

const MODULE_DIR = join(REPO_ROOT, 'infra/azure');
const azurerm = cdktfProvider('azurerm');
const SCHEMAS: ModuleSchemas = { providers: [azurerm], others: new Map([['data archive_file', ARCHIVE_FILE]]) };


let files: TerraformFile[];
beforeAll(async () => {
  files = await terraformFilesUnder(MODULE_DIR);
});

describe('infra/azure: the module parses and matches the azurerm provider schema', () => {
  it('has the layout of a published module, examples and the per-subscription module included', () => {
    const paths = files.map((f) => f.path);

    for (const file of ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'subscription/main.tf', 'examples/single-subscription/main.tf', 'examples/management-group/main.tf']) {
      expect(paths).toContain(`infra/azure/${file}`);
    }
    expect(existsSync(join(MODULE_DIR, 'README.md'))).toBe(true);
  });

  it(`uses only resource types, data sources, arguments and blocks of hashicorp/azurerm ${azurerm.version()}`, () => {
    expect(schemaProblems(files, SCHEMAS)).toEqual([]);
    expect(blocksOf(files).length).toBeGreaterThan(20);
  });

  it('fails a misspelled argument, nested block argument, block, resource type and module input', async () => {
    const text = `
resource "azurerm_function_app_flex_consumption" "typo" {
  runtime_nme = "node"
  site_config {
    minimum_tls_versoin = "1.2"
  }
}
resource "azurerm_eventgrid_system_topic_event_subscription" "typo" {
  dynamic "advanced_filters" {
    for_each = []
    content {}
  }
}
resource "azurerm_eventgrid_sytem_topic" "typo" {}
module "typo" {
  source                 = "./subscription"
  subscription_idd       = "x"
}
`;
    const wrong = { path: 'infra/azure/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };

    const problems = schemaProblems([...files, wrong], SCHEMAS);

    expect(problems.sort()).toEqual([
      'infra/azure/wrong.tf azurerm_eventgrid_system_topic_event_subscription.typo: dynamic "advanced_filters" is not a block of this type',
      'infra/azure/wrong.tf azurerm_eventgrid_sytem_topic.typo: no resource type "azurerm_eventgrid_sytem_topic" in the provider',
      'infra/azure/wrong.tf azurerm_function_app_flex_consumption.typo.site_config: unknown argument "minimum_tls_versoin"',
      'infra/azure/wrong.tf azurerm_function_app_flex_consumption.typo: unknown argument "runtime_nme"',
      'infra/azure/wrong.tf module.typo: required input "dead_letter_container" missing',
      'infra/azure/wrong.tf module.typo: required input "dead_letter_storage_account_id" missing',
      'infra/azure/wrong.tf module.typo: required input "location" missing',
      'infra/azure/wrong.tf module.typo: required input "subscription_id" missing',
      'infra/azure/wrong.tf module.typo: required input "webhook_url" missing',
      'infra/azure/wrong.tf module.typo: unknown input "subscription_idd"',
    ]);
  });

  it('names only declared variables, locals, resources, data sources and module outputs, and attributes they have', () => {
    expect(referenceProblems(files, SCHEMAS)).toEqual([]);
  });

  it('fails a reference to something undeclared or to an attribute the type lacks', async () => {
    const text = `
locals {
  wrong = [var.locaton, local.nothing, azurerm_storage_account.dta.id, azurerm_storage_account.data.blob_endpoint, data.azurerm_client_config.current.tenant]
  right = [var.location, local.watched, azurerm_storage_account.data.primary_blob_endpoint, data.azurerm_client_config.current.tenant_id]
}
output "x" {
  value = module.own_subscription_events[0].no_such_output
}
`;
    const wrong = { path: 'infra/azure/wrong.tf', text, hcl: await parseHcl('wrong.tf', text) };

    const problems = referenceProblems([...files, wrong], SCHEMAS).filter((p) => p.includes('wrong.tf'));

    expect(problems.sort()).toEqual([
      'infra/azure/wrong.tf: azurerm_storage_account.data.blob_endpoint: no such attribute',
      'infra/azure/wrong.tf: azurerm_storage_account.dta is not declared',
      'infra/azure/wrong.tf: data.azurerm_client_config.current.tenant: no such attribute',
      'infra/azure/wrong.tf: local.nothing is not declared',
      'infra/azure/wrong.tf: module.own_subscription_events.no_such_output: no such output',
      'infra/azure/wrong.tf: var.locaton is not declared',
    ]);
  });

  it.runIf(spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0)('is formatted as terraform fmt writes it', () => {
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-list=true', 'infra/azure'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(fmt.stdout.trim(), 'files terraform fmt would change').toBe('');
    expect(fmt.status).toBe(0);
  });
});
