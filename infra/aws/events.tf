# Where events come from:
# - spokes (every watched account, home region and us-east-1) forward the catalog's API calls to
#   the hub bus; its policy admits the organisation;
# - the hub account's own calls match a rule on its default bus (home region), and in us-east-1,
#   where Route 53 reports, a rule forwards them to the hub bus.
# Every rule has the catalog's pattern (event-pattern.json); the hub bus rule and the home default
# bus rule send to the queue.

resource "aws_cloudwatch_event_bus" "hub" {
  name = local.name
  tags = local.tags
}

data "aws_iam_policy_document" "hub_bus" {
  count = var.organization_id == null ? 0 : 1

  statement {
    sid       = "OrganizationPutEvents"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.hub.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = [var.organization_id]
    }
  }
}

resource "aws_cloudwatch_event_bus_policy" "hub" {
  count          = var.organization_id == null ? 0 : 1
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  policy         = data.aws_iam_policy_document.hub_bus[0].json
}

resource "aws_cloudwatch_event_rule" "hub_bus" {
  name           = "${local.name}-hub"
  description    = "netdrift: network changes forwarded by the spokes"
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  event_pattern  = jsonencode(local.event_pattern)
  tags           = local.tags
}

resource "aws_cloudwatch_event_target" "hub_bus" {
  rule           = aws_cloudwatch_event_rule.hub_bus.name
  event_bus_name = aws_cloudwatch_event_bus.hub.name
  target_id      = "queue"
  arn            = aws_sqs_queue.events.arn
}

resource "aws_cloudwatch_event_rule" "hub_account" {
  count         = var.watch_hub_account ? 1 : 0
  name          = "${local.name}-hub-account"
  description   = "netdrift: network changes in the hub account"
  event_pattern = jsonencode(local.event_pattern)
  tags          = local.tags
}

resource "aws_cloudwatch_event_target" "hub_account" {
  count     = var.watch_hub_account ? 1 : 0
  rule      = aws_cloudwatch_event_rule.hub_account[0].name
  target_id = "queue"
  arn       = aws_sqs_queue.events.arn
}

locals {
  queue_rule_arns = concat([aws_cloudwatch_event_rule.hub_bus.arn], aws_cloudwatch_event_rule.hub_account[*].arn)
  # us-east-1 needs its own rule only when the hub lives elsewhere.
  forward_us_east_1 = var.watch_hub_account && local.region != "us-east-1"
}

# Route 53 (a global service) reports its calls in us-east-1 only: forward them to the hub bus.
resource "aws_cloudwatch_event_rule" "hub_account_us_east_1" {
  provider      = aws.us_east_1
  count         = local.forward_us_east_1 ? 1 : 0
  name          = "${local.name}-hub-account"
  description   = "netdrift: network changes in the hub account reported in us-east-1 (Route 53), forwarded to the hub bus"
  event_pattern = jsonencode(local.event_pattern)
  tags          = local.tags
}

resource "aws_cloudwatch_event_target" "hub_account_us_east_1" {
  provider  = aws.us_east_1
  count     = local.forward_us_east_1 ? 1 : 0
  rule      = aws_cloudwatch_event_rule.hub_account_us_east_1[0].name
  target_id = "hub-bus"
  arn       = aws_cloudwatch_event_bus.hub.arn
  role_arn  = aws_iam_role.forwarder[0].arn
}
