# netdrift watching every subscription of a management group: the hub (app, storage, vault) in one
# subscription with Reader on the management group, and an Event Grid system topic with the generated
# event subscriptions in each watched subscription. A system topic lives in the subscription it reports
# on and a Terraform provider is bound to one subscription, so each subscription gets a provider alias
# and a call of ../../subscription (add a pair per subscription; new subscriptions are read by reconcile
# through Reader on the management group before their topic exists).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.17, < 5.0"
    }
  }
}

variable "hub_subscription_id" {
  description = "The subscription the hub is deployed to (it is watched too)."
  type        = string
}

variable "management_group_id" {
  description = "The management group whose subscriptions are watched (its name, e.g. mg-platform)."
  type        = string
}

variable "spoke_subscription_ids" {
  description = "The other watched subscriptions, in the order of the provider aliases below."
  type        = list(string)
}

variable "event_grid_secret" {
  description = "The Event Grid webhook secret (openssl rand -hex 32)."
  type        = string
  sensitive   = true
}

provider "azurerm" {
  subscription_id     = var.hub_subscription_id
  storage_use_azuread = true
  features {}
}

provider "azurerm" {
  alias           = "connectivity"
  subscription_id = var.spoke_subscription_ids[0]
  features {}
}

provider "azurerm" {
  alias           = "workloads"
  subscription_id = var.spoke_subscription_ids[1]
  features {}
}

module "netdrift" {
  source = "../.."

  location                 = "westeurope"
  storage_account_name     = "netdriftdata01"
  key_vault_name           = "netdrift-secrets-01"
  event_grid_secret        = var.event_grid_secret
  management_group_id      = var.management_group_id
  watched_subscription_ids = concat([var.hub_subscription_id], var.spoke_subscription_ids)

  slack_webhook_secret_name         = "slack-webhook-url"
  pagerduty_routing_key_secret_name = "pagerduty-routing-key"
}

module "connectivity_events" {
  source    = "../../subscription"
  providers = { azurerm = azurerm.connectivity }

  subscription_id                = var.spoke_subscription_ids[0]
  location                       = "westeurope"
  webhook_url                    = module.netdrift.webhook_url
  dead_letter_storage_account_id = module.netdrift.storage_account_id
  dead_letter_container          = module.netdrift.dead_letter_container
}

module "workloads_events" {
  source    = "../../subscription"
  providers = { azurerm = azurerm.workloads }

  subscription_id                = var.spoke_subscription_ids[1]
  location                       = "westeurope"
  webhook_url                    = module.netdrift.webhook_url
  dead_letter_storage_account_id = module.netdrift.storage_account_id
  dead_letter_container          = module.netdrift.dead_letter_container
}

output "snapshot_store" {
  value = module.netdrift.snapshot_store
}
