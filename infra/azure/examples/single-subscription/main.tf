# netdrift watching one subscription: the app, its storage and vault, and the subscription's Event
# Grid topic, all in that subscription.
#
#   npm run build                       # dist/azure, the app this deploys
#   terraform init && terraform apply -var subscription_id=… -var event_grid_secret=$(openssl rand -hex 32) …

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.17, < 5.0"
    }
  }
}

variable "subscription_id" {
  description = "The subscription to deploy to and watch."
  type        = string
}

variable "event_grid_secret" {
  description = "The Event Grid webhook secret (openssl rand -hex 32)."
  type        = string
  sensitive   = true
}

provider "azurerm" {
  subscription_id = var.subscription_id
  # The storage account allows no shared keys: containers and tables are created with Entra ID.
  storage_use_azuread = true
  features {}
}

module "netdrift" {
  source = "../.."

  location             = "westeurope"
  storage_account_name = "netdriftdata01"
  key_vault_name       = "netdrift-secrets-01"
  event_grid_secret    = var.event_grid_secret

  slack_webhook_secret_name         = "slack-webhook-url"
  pagerduty_routing_key_secret_name = "pagerduty-routing-key"
}

output "webhook_url" {
  value     = module.netdrift.webhook_url
  sensitive = true
}

output "snapshot_store" {
  value = module.netdrift.snapshot_store
}
