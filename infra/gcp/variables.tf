variable "project_id" {
  description = "The project the functions, topics, Firestore database and source bucket are deployed to."
  type        = string
}

variable "region" {
  description = "Region of the functions, the source bucket and the scheduler jobs."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, topics, subscriptions, service accounts, sink)."
  type        = string
  default     = "netdrift"
}

variable "sink_level" {
  description = "Where the Log Router sink is: \"project\" (project_id), \"folder\" (folder_id) or \"organization\" (organization_id), the latter two with include_children. The reader roles are granted at the same level."
  type        = string
  default     = "project"

  validation {
    condition     = contains(["project", "folder", "organization"], var.sink_level)
    error_message = "sink_level: project, folder or organization."
  }
}

variable "folder_id" {
  description = "The watched folder's number (sink_level = \"folder\")."
  type        = string
  default     = null
}

variable "organization_id" {
  description = "The watched organisation's number (sink_level = \"organization\")."
  type        = string
  default     = null
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region such as europe-west1, or a multi-region: eur3, nam5)."
  type        = string
}

variable "firestore_database" {
  description = "Name of the Firestore database (Native mode) the module creates for the state and the snapshots."
  type        = string
  default     = "netdrift"
}

variable "firestore_prefix" {
  description = "Prefix of the Firestore collections (<prefix>-processed, <prefix>-outbox, <prefix>-snapshots, …)."
  type        = string
  default     = "netdrift"
}

variable "dist_dir" {
  description = "The built GCP functions (npm run build writes dist/gcp), zipped as the functions' source. Default: the repository's dist/gcp."
  type        = string
  default     = null
}

variable "entry_points" {
  description = "The Functions Framework targets in dist/gcp the three functions run: the push handler (`pubsub`, HTTP), refresh and reconcile."
  type = object({
    events    = string
    refresh   = string
    reconcile = string
  })
  default = {
    events    = "pubsub"
    refresh   = "refresh"
    reconcile = "reconcile"
  }
}

variable "reconcile_projects" {
  description = "Projects the scheduler jobs reconcile (and refresh), one job per project and function. Empty: project_id. For a folder or organisation, list the watched projects."
  type        = list(string)
  default     = []
}

variable "regions" {
  description = "Regions a capture (refresh, reconcile) covers; empty: every region."
  type        = list(string)
  default     = []
}

variable "function_memory" {
  description = "Memory of each function (Cloud Run functions notation, e.g. 512Mi)."
  type        = string
  default     = "512Mi"
}

variable "function_timeout_seconds" {
  description = "Timeout of each function; the push subscription's ack deadline follows it (at most 600)."
  type        = number
  default     = 300
}

variable "max_instance_count" {
  description = "Scale-out limit of each function."
  type        = number
  default     = 10
}

variable "max_delivery_attempts" {
  description = "Push deliveries of one message before it goes to the dead-letter topic (5–100)."
  type        = number
  default     = 10
}

variable "reconcile_schedule" {
  description = "Cloud Scheduler cron of the reconcile job."
  type        = string
  default     = "17 */6 * * *"
}

variable "refresh_schedule" {
  description = "Cloud Scheduler cron of a refresh job (a new candidate snapshot); null: none, call refresh by hand."
  type        = string
  default     = null
}

variable "schedule_time_zone" {
  description = "Time zone of the scheduler jobs."
  type        = string
  default     = "Etc/UTC"
}

variable "slack_webhook_secret_id" {
  description = "Secret Manager secret (in project_id) holding the Slack webhook URL, with a version (gcloud secrets create … --data-file=-); null: no Slack sink."
  type        = string
  default     = null
}

variable "pagerduty_routing_key_secret_id" {
  description = "Secret Manager secret (in project_id) holding the PagerDuty Events v2 routing key; null: no PagerDuty sink."
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

variable "event_ttl_hours" {
  description = "Hours a processed event id is remembered (Firestore's TTL policy deletes it after)."
  type        = number
  default     = 48
}

variable "labels" {
  description = "Labels of every resource that takes them."
  type        = map(string)
  default     = {}
}
