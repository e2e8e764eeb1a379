variable "name_prefix" {
  description = "Prefix of every name this module creates (functions, roles, queue, table, bus, stack set)."
  type        = string
  default     = "netdrift"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix: lower-case letters, digits and hyphens, 2 to 31 characters, starting with a letter."
  }
}

variable "dist_dir" {
  description = "Folder holding the built function bundles (`npm ci && npm run build` writes dist/aws/<function>/). Default: the repository's dist/aws."
  type        = string
  default     = null
}

variable "include_source_maps" {
  description = "Ship the bundles' source maps and run Node with --enable-source-maps (stack traces name the TypeScript sources; the zip grows from about 0.7 to 2.5 MB)."
  type        = bool
  default     = false
}

variable "organization_id" {
  description = "AWS Organizations id (o-…). When set, the hub bus admits PutEvents from every account of the organisation (aws:PrincipalOrgID). Leave null for a single account."
  type        = string
  default     = null

  validation {
    condition     = var.organization_id == null || can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id: expected o- followed by 10 to 32 lower-case letters or digits."
  }
}

variable "regions" {
  description = "Watched regions: refresh and reconcile capture them (NETDRIFT_REGIONS) and the spokes forward their events (with the home region and us-east-1, where Route 53 reports). Default: the hub's region only."
  type        = list(string)
  default     = []
}

variable "watch_hub_account" {
  description = "Watch the hub account itself: rules on its default bus in the home region and in us-east-1 (Route 53), forwarded to the hub queue."
  type        = bool
  default     = true
}

variable "reader_role_name" {
  description = "Name of the read-only role the spoke template creates in every watched account; the functions assume arn:aws:iam::<account>:role/<name> (NETDRIFT_READER_ROLE)."
  type        = string
  default     = "netdrift-reader"
}

variable "reader_external_id" {
  description = "Optional external id the functions pass when assuming the reader role (NETDRIFT_READER_EXTERNAL_ID); the spoke's trust policy then requires it. Not a secret (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html)."
  type        = string
  default     = null

  validation {
    condition     = var.reader_external_id == null || can(regex("^[A-Za-z0-9+=,.@:/-]{2,1224}$", var.reader_external_id))
    error_message = "reader_external_id: 2 to 1224 letters, digits or +=,.@:/- characters."
  }
}

variable "spoke_in_hub_account" {
  description = "Deploy the spoke template as a stack in the hub account (its reader role; the hub's own rules forward its events). Needed whenever the hub account is watched: single account, or an organisation whose stack set skips the hub account."
  type        = bool
  default     = true
}

variable "spoke_stack_set" {
  description = <<-EOT
    Create the spoke as a service-managed CloudFormation StackSet that deploys to every account of
    the given organisational units (and to accounts added to them later), in the home region,
    us-east-1 and the other `regions`. The hub account is excluded (it has its own stacks). Null: no stack set.
    Run from the management account (call_as = "SELF") or a delegated administrator ("DELEGATED_ADMIN").
  EOT
  type = object({
    organizational_unit_ids = list(string)
    call_as                 = optional(string, "SELF")
    max_concurrent_percent  = optional(number, 25)
    failure_tolerance       = optional(number, 10)
  })
  default = null

  validation {
    condition     = var.spoke_stack_set == null || try(contains(["SELF", "DELEGATED_ADMIN"], var.spoke_stack_set.call_as), false)
    error_message = "spoke_stack_set.call_as: SELF or DELEGATED_ADMIN."
  }
}

variable "reconcile_schedule" {
  description = "EventBridge Scheduler expression for reconcile, run once per account in reconcile_accounts."
  type        = string
  default     = "rate(15 minutes)"
}

variable "drain_schedule" {
  description = "EventBridge Scheduler expression for the outbox drain: alerts a sink's rate limit held back are sent at the latest this often."
  type        = string
  default     = "rate(1 minute)"
}

variable "reconcile_accounts" {
  description = "Accounts reconciled on the schedule. Default: the hub account. An organisation lists its member accounts here."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.reconcile_accounts : can(regex("^[0-9]{12}$", a))])
    error_message = "reconcile_accounts: 12-digit AWS account ids."
  }
}

variable "refresh_schedule" {
  description = "Optional schedule for refresh (a new candidate snapshot per reconciled account); null: refresh runs on demand only."
  type        = string
  default     = null
}

variable "slack_webhook_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the Slack webhook URL (append #key for a JSON secret). Null: no Slack."
  type        = string
  default     = null

  validation {
    condition     = var.slack_webhook_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.slack_webhook_secret_arn))
    error_message = "slack_webhook_secret_arn: expected a Secrets Manager ARN, never the URL itself."
  }
}

variable "pagerduty_routing_key_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the PagerDuty Events v2 routing key (append #key for a JSON secret). Null: no PagerDuty."
  type        = string
  default     = null

  validation {
    condition     = var.pagerduty_routing_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.pagerduty_routing_key_secret_arn))
    error_message = "pagerduty_routing_key_secret_arn: expected a Secrets Manager ARN, never the key itself."
  }
}

variable "approval_hmac_key_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the approvers' HMAC key (NETDRIFT_APPROVAL_HMAC_KEY; #key for a JSON secret): a baseline whose approval HMAC does not match is refused. Null: approvals are checked by their sha256 only."
  type        = string
  default     = null

  validation {
    condition     = var.approval_hmac_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.approval_hmac_key_secret_arn))
    error_message = "approval_hmac_key_secret_arn: expected a Secrets Manager ARN, never the key itself."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer managed KMS key the secrets are encrypted with, if any (the functions get kms:Decrypt on it)."
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

variable "pagerduty_url" {
  description = "PagerDuty Events v2 endpoint, for accounts in PagerDuty's EU region (https://events.eu.pagerduty.com/v2/enqueue). Null: the US endpoint."
  type        = string
  default     = null
}

variable "routing" {
  description = "Routes, default sinks, suppressions and storm settings (the config file's keys), passed as NETDRIFT_ROUTING."
  type        = any
  default     = null
}

variable "event_ttl_hours" {
  description = "How long processed event ids are kept (DynamoDB TTL)."
  type        = number
  default     = 48
}

variable "snapshot_bucket_name" {
  description = "Name of the snapshot bucket. Default: <name_prefix>-snapshots-<account>-<region>."
  type        = string
  default     = null
}

variable "state_table_deletion_protection" {
  description = "Protect the state table (open findings, the alert outbox) from deletion; set false before destroying a trial deployment."
  type        = bool
  default     = true
}

variable "snapshot_prefix" {
  description = "Key prefix of the snapshots in the bucket."
  type        = string
  default     = ""
}

variable "functions" {
  description = "Memory (MB) and timeout (s) of each function."
  type = object({
    events    = optional(object({ memory = optional(number, 512), timeout = optional(number, 60) }), {})
    refresh   = optional(object({ memory = optional(number, 1024), timeout = optional(number, 600) }), {})
    reconcile = optional(object({ memory = optional(number, 1024), timeout = optional(number, 600) }), {})
  })
  default = {}
}

variable "queue_max_receive_count" {
  description = "Deliveries of a message before it moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups."
  type        = number
  default     = 30
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic notified by the alarms (dead-letter queue not empty, function errors). Null: alarms without actions."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource that takes them."
  type        = map(string)
  default     = {}
}
