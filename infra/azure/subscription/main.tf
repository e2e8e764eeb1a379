# One watched subscription: its Event Grid system topic (Microsoft.Resources.Subscriptions) and the
# event subscriptions that deliver the catalog's operations to the netdrift Function App. A system topic
# lives in the subscription it reports on, so this module runs with that subscription's provider: the
# root module calls it for its own subscription, the management-group example once per other subscription.

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
  description = "The watched subscription's id (a GUID): the system topic's source, in this provider's subscription."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the resource group, topic and event subscription names."
  type        = string
  default     = "netdrift"
}

variable "location" {
  description = "Region of the resource group holding the system topic (the topic itself is global)."
  type        = string
}

variable "webhook_url" {
  description = "The Function App's Event Grid endpoint, its ?code= secret included (sensitive)."
  type        = string
  sensitive   = true
}

variable "entra_app_id_or_uri" {
  description = "Deliver with a Microsoft Entra ID token for this app (id or URI) instead of, or besides, the ?code= secret."
  type        = string
  default     = null
}

variable "entra_tenant_id" {
  description = "The tenant of entra_app_id_or_uri."
  type        = string
  default     = null
}

variable "dead_letter_storage_account_id" {
  description = "Storage account of the dead-letter container (the hub's)."
  type        = string
}

variable "dead_letter_container" {
  description = "Blob container that receives events Event Grid could not deliver."
  type        = string
}

variable "max_delivery_attempts" {
  description = "Event Grid delivery attempts before an event is dead-lettered (1–30)."
  type        = number
  default     = 30
}

variable "event_time_to_live" {
  description = "Minutes Event Grid keeps retrying an event before it is dead-lettered (1–1440)."
  type        = number
  default     = 1440
}

variable "tags" {
  description = "Tags of the resource group and topic."
  type        = map(string)
  default     = {}
}

locals {
  # Generated from the catalog by ../generate.mjs: one event subscription per ≤ 25 operation names.
  event_subscriptions = { for s in jsondecode(file("${path.module}/../event-subscriptions.json")).subscriptions : s.name => s }
}

resource "azurerm_resource_group" "events" {
  name     = "${var.name_prefix}-events"
  location = var.location
  tags     = var.tags
}

resource "azurerm_eventgrid_system_topic" "subscription" {
  name                = "${var.name_prefix}-${var.subscription_id}"
  resource_group_name = azurerm_resource_group.events.name
  location            = "global"
  source_resource_id  = "/subscriptions/${var.subscription_id}"
  topic_type          = "Microsoft.Resources.Subscriptions"
  tags                = var.tags

  # Dead letters are written with this identity: the hub's account allows no shared keys.
  identity {
    type = "SystemAssigned"
  }
}

# The topic may write blobs to the dead-letter container, and nowhere else.
resource "azurerm_role_assignment" "dead_letter_writer" {
  scope                = "${var.dead_letter_storage_account_id}/blobServices/default/containers/${var.dead_letter_container}"
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_eventgrid_system_topic.subscription.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_eventgrid_system_topic_event_subscription" "operations" {
  for_each = local.event_subscriptions

  name                 = "${var.name_prefix}-${each.key}"
  system_topic         = azurerm_eventgrid_system_topic.subscription.name
  resource_group_name  = azurerm_resource_group.events.name
  included_event_types = each.value.includedEventTypes

  webhook_endpoint {
    url                               = var.webhook_url
    active_directory_app_id_or_uri    = var.entra_app_id_or_uri
    active_directory_tenant_id        = var.entra_tenant_id
    max_events_per_batch              = 1
    preferred_batch_size_in_kilobytes = 64
  }

  advanced_filter {
    dynamic "string_in" {
      for_each = each.value.advancedFilters
      content {
        key    = string_in.value.key
        values = string_in.value.values
      }
    }
  }

  retry_policy {
    max_delivery_attempts = var.max_delivery_attempts
    event_time_to_live    = var.event_time_to_live
  }

  storage_blob_dead_letter_destination {
    storage_account_id          = var.dead_letter_storage_account_id
    storage_blob_container_name = var.dead_letter_container
  }

  dead_letter_identity {
    type = "SystemAssigned"
  }

  depends_on = [azurerm_role_assignment.dead_letter_writer]
}

output "system_topic_id" {
  description = "The subscription's Event Grid system topic."
  value       = azurerm_eventgrid_system_topic.subscription.id
}

output "event_subscription_names" {
  description = "The event subscriptions, one per generated filter."
  value       = [for s in azurerm_eventgrid_system_topic_event_subscription.operations : s.name]
}
