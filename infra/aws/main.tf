# netdrift hub: the bus that receives the watched accounts' API calls, the queue in front of the
# events function, the three functions, their table and bucket, and the spokes (spoke.tf).
# The event pattern is generated from the catalog (generate.mjs writes event-pattern.json).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  name      = var.name_prefix

  # The catalog's EventBridge pattern, the same one the spoke template embeds.
  event_pattern = jsondecode(file("${path.module}/event-pattern.json"))

  dist_dir  = coalesce(var.dist_dir, "${path.module}/../../dist/aws")
  functions = toset(["events", "refresh", "reconcile"])

  function_settings = {
    events    = var.functions.events
    refresh   = var.functions.refresh
    reconcile = var.functions.reconcile
  }

  # Role ARNs are known before the roles exist: the spoke trusts exactly these.
  function_role_arns = { for f in local.functions : f => "arn:${local.partition}:iam::${local.account}:role/${local.name}-${f}" }

  reader_role_pattern = "arn:${local.partition}:iam::*:role/${var.reader_role_name}"

  # Secrets given as ARN#key name a key of a JSON secret; IAM wants the secret's ARN.
  secret_arns = compact([
    var.slack_webhook_secret_arn == null ? "" : split("#", var.slack_webhook_secret_arn)[0],
    var.pagerduty_routing_key_secret_arn == null ? "" : split("#", var.pagerduty_routing_key_secret_arn)[0],
    var.approval_hmac_key_secret_arn == null ? "" : split("#", var.approval_hmac_key_secret_arn)[0],
  ])

  capture_regions    = length(var.regions) > 0 ? var.regions : [local.region]
  reconcile_accounts = length(var.reconcile_accounts) > 0 ? var.reconcile_accounts : [local.account]

  # Every function reads the same environment (functions/aws/environment.ts).
  environment = merge(
    {
      NETDRIFT_SNAPSHOT_BUCKET        = aws_s3_bucket.snapshots.id
      NETDRIFT_SNAPSHOT_PREFIX        = var.snapshot_prefix
      NETDRIFT_STATE_TABLE            = aws_dynamodb_table.state.name
      NETDRIFT_REGIONS                = join(",", local.capture_regions)
      NETDRIFT_READER_ROLE            = var.reader_role_name
      NETDRIFT_SLACK_MIN_SEVERITY     = var.slack_min_severity
      NETDRIFT_PAGERDUTY_MIN_SEVERITY = var.pagerduty_min_severity
      NETDRIFT_EVENT_TTL_HOURS        = tostring(var.event_ttl_hours)
    },
    var.slack_webhook_secret_arn == null ? {} : { NETDRIFT_SLACK_WEBHOOK_URL = var.slack_webhook_secret_arn },
    var.pagerduty_routing_key_secret_arn == null ? {} : { NETDRIFT_PAGERDUTY_ROUTING_KEY = var.pagerduty_routing_key_secret_arn },
    var.pagerduty_url == null ? {} : { NETDRIFT_PAGERDUTY_URL = var.pagerduty_url },
    var.approval_hmac_key_secret_arn == null ? {} : { NETDRIFT_APPROVAL_HMAC_KEY = var.approval_hmac_key_secret_arn },
    var.reader_external_id == null ? {} : { NETDRIFT_READER_EXTERNAL_ID = var.reader_external_id },
    var.routing == null ? {} : { NETDRIFT_ROUTING = jsonencode(var.routing) },
    var.include_source_maps ? { NODE_OPTIONS = "--enable-source-maps" } : {},
  )

  tags = merge({ "netdrift:component" = "hub" }, var.tags)
}
