variable "name_prefix" {
  description = "Prefix of every resource name (resource groups, plan, app, identity, topics)."
  type        = string
  default     = "netdrift"
}

variable "location" {
  description = "Region of the Function App, its storage and its vault (a region that offers Flex Consumption)."
  type        = string
}

variable "storage_account_name" {
  description = "Globally unique storage account name (3–24 lowercase letters and digits): snapshots, state, dead letters, the app's package."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name: 3 to 24 lowercase letters and digits."
  }
}

variable "key_vault_name" {
  description = "Globally unique Key Vault name (3–24 letters, digits and dashes) holding the Slack and PagerDuty secrets."
  type        = string
}

variable "watched_subscription_ids" {
  description = "Subscriptions reconcile and refresh read. The provider's own subscription gets its Event Grid topic here; others get theirs from ./subscription (see examples/management-group). Empty: the provider's subscription."
  type        = list(string)
  default     = []
}

variable "management_group_id" {
  description = "Watch a management group: Reader is granted on it (/providers/Microsoft.Management/managementGroups/<id>) instead of on each subscription, and capture goes through Resource Graph."
  type        = string
  default     = null
}

variable "watch_own_subscription" {
  description = "Create the Event Grid system topic and event subscriptions of the provider's own subscription."
  type        = bool
  default     = true
}

variable "event_grid_secret" {
  description = "The Event Grid webhook secret, sent as ?code= with every delivery (generate one: openssl rand -hex 32). Stored as an app setting; it is in the Terraform state, as the webhook URL is."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.event_grid_secret) >= 32
    error_message = "event_grid_secret: at least 32 characters."
  }
}

variable "entra_app_id_or_uri" {
  description = "Also deliver with a Microsoft Entra ID token for this app registration (its id or api:// URI); the app then accepts either."
  type        = string
  default     = null
}

variable "slack_webhook_secret_name" {
  description = "Name of the Key Vault secret holding the Slack webhook URL (set it with az keyvault secret set); null: no Slack sink."
  type        = string
  default     = null
}

variable "pagerduty_routing_key_secret_name" {
  description = "Name of the Key Vault secret holding the PagerDuty Events v2 routing key; null: no PagerDuty sink."
  type        = string
  default     = null
}

variable "pagerduty_url" {
  description = "PagerDuty Events API URL (EU accounts: https://events.eu.pagerduty.com/v2/enqueue)."
  type        = string
  default     = null
}

variable "slack_min_severity" {
  description = "Lowest severity sent to Slack."
  type        = string
  default     = "info"
}

variable "pagerduty_min_severity" {
  description = "Lowest severity sent to PagerDuty."
  type        = string
  default     = "high"
}

variable "routing" {
  description = "Routes, default sinks, suppressions and storm settings (the config file's keys), passed as NETDRIFT_ROUTING JSON."
  type        = any
  default     = null
}

variable "reconcile_schedule" {
  description = "NCRONTAB schedule of the app's reconcile timer (six fields, UTC), read by the timer as %NETDRIFT_RECONCILE_SCHEDULE%."
  type        = string
  default     = "0 0 */6 * * *"
}

variable "event_ttl_hours" {
  description = "Hours a processed event id is remembered (duplicates within it are dropped)."
  type        = number
  default     = 48
}

variable "snapshot_prefix" {
  description = "Blob name prefix of the snapshots inside the snapshots container."
  type        = string
  default     = ""
}

variable "dist_dir" {
  description = "The built Azure Functions app (npm run build writes dist/azure). Default: the repository's dist/azure."
  type        = string
  default     = null
}

variable "maximum_instance_count" {
  description = "Flex Consumption scale-out limit (40–1000)."
  type        = number
  default     = 40
}

variable "instance_memory_in_mb" {
  description = "Flex Consumption instance memory (512, 2048 or 4096)."
  type        = number
  default     = 2048
}

variable "application_insights" {
  description = "Create a Log Analytics workspace and Application Insights for the app."
  type        = bool
  default     = true
}

variable "max_delivery_attempts" {
  description = "Event Grid delivery attempts before an event is dead-lettered (1–30)."
  type        = number
  default     = 30
}

variable "event_time_to_live" {
  description = "Minutes Event Grid retries an event before dead-lettering it (1–1440)."
  type        = number
  default     = 1440
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
