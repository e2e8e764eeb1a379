# One role per function, each with the actions its code calls and nothing else. The functions
# read no account with their own credentials: they assume the spoke's reader role (the hub
# account's too), so reads need only sts:AssumeRole here.

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each           = local.functions
  name               = "${local.name}-${each.key}"
  description        = "netdrift ${each.key} function"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
  tags               = local.tags
}

locals {
  table_arns  = [aws_dynamodb_table.state.arn, "${aws_dynamodb_table.state.arn}/index/*"]
  objects_arn = "${aws_s3_bucket.snapshots.arn}/*"
  log_streams = { for f in local.functions : f => "${aws_cloudwatch_log_group.function[f].arn}:*" }

  statement_readers = {
    sid       = "AssumeSpokeReader"
    actions   = ["sts:AssumeRole"]
    resources = [local.reader_role_pattern]
  }
  statement_identity = {
    sid       = "CallerIdentity"
    actions   = ["sts:GetCallerIdentity"]
    resources = ["*"]
  }
  statement_bucket = {
    sid       = "ListSnapshots"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.snapshots.arn]
  }
  statement_state = {
    sid       = "StateTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = local.table_arns
  }

  # Each function's statements: what its code calls (functions/aws/*.ts, adapters/aws/*-store.ts).
  function_statements = {
    events = [
      { sid = "Logs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = [local.log_streams.events] },
      local.statement_readers,
      local.statement_identity,
      local.statement_bucket,
      local.statement_state,
      {
        sid       = "ConsumeQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
        resources = [aws_sqs_queue.events.arn]
      },
      { sid = "ReadBaselines", actions = ["s3:GetObject"], resources = [local.objects_arn] },
    ]
    refresh = [
      { sid = "Logs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = [local.log_streams.refresh] },
      local.statement_readers,
      local.statement_identity,
      local.statement_bucket,
      { sid = "WriteCandidates", actions = ["s3:GetObject", "s3:PutObject"], resources = [local.objects_arn] },
    ]
    reconcile = [
      { sid = "Logs", actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = [local.log_streams.reconcile] },
      local.statement_readers,
      local.statement_identity,
      local.statement_bucket,
      local.statement_state,
      { sid = "ReadBaselines", actions = ["s3:GetObject"], resources = [local.objects_arn] },
    ]
  }

  # Every function resolves the alert secrets and the approval key at start.
  secret_statements = [
    for s in [
      { sid = "AlertSecrets", actions = ["secretsmanager:GetSecretValue"], resources = local.secret_arns },
      { sid = "AlertSecretsKey", actions = ["kms:Decrypt"], resources = compact([var.secrets_kms_key_arn]) },
    ] : s if length(s.resources) > 0
  ]
}

data "aws_iam_policy_document" "function" {
  for_each = local.functions

  dynamic "statement" {
    for_each = concat(local.function_statements[each.key], local.secret_statements)
    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = statement.value.resources
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions
  name     = "${local.name}-${each.key}"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

# The us-east-1 rule's role: it may put events on the hub bus and nothing else.
data "aws_iam_policy_document" "events_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "forwarder" {
  statement {
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.hub.arn]
  }
}

resource "aws_iam_role" "forwarder" {
  count              = local.forward_us_east_1 ? 1 : 0
  name               = "${local.name}-forwarder"
  description        = "netdrift: forwards the hub account's us-east-1 events to the hub bus"
  assume_role_policy = data.aws_iam_policy_document.events_trust.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "forwarder" {
  count  = local.forward_us_east_1 ? 1 : 0
  name   = "put-events-hub-bus"
  role   = aws_iam_role.forwarder[0].id
  policy = data.aws_iam_policy_document.forwarder.json
}

# EventBridge Scheduler's role: it invokes reconcile (and refresh when scheduled).
data "aws_iam_policy_document" "scheduler_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [for fn in ["events", "reconcile", "refresh"] : aws_lambda_function.function[fn].arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "netdrift: EventBridge Scheduler invokes reconcile and refresh"
  assume_role_policy = data.aws_iam_policy_document.scheduler_trust.json
  tags               = local.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "invoke-capture-functions"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
