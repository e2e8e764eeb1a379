# The three functions, each from its built bundle (dist/aws/<function>/index.mjs and its chunks),
# on the current Node.js runtime. `npm ci && npm run build` must run before `terraform apply`.

data "archive_file" "function" {
  for_each    = local.functions
  type        = "zip"
  source_dir  = "${local.dist_dir}/${each.key}"
  excludes    = concat(["meta.json"], var.include_source_maps ? [] : ["*.map", "**/*.map"])
  output_path = "${path.root}/.terraform/netdrift/${each.key}.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  for_each          = local.functions
  name              = "/aws/lambda/${local.name}-${each.key}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}

resource "aws_lambda_function" "function" {
  for_each         = local.functions
  function_name    = "${local.name}-${each.key}"
  description      = "netdrift ${each.key}"
  role             = aws_iam_role.function[each.key].arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  architectures    = ["arm64"]
  filename         = data.archive_file.function[each.key].output_path
  source_code_hash = data.archive_file.function[each.key].output_base64sha256
  memory_size      = local.function_settings[each.key].memory
  timeout          = local.function_settings[each.key].timeout

  environment {
    variables = local.environment
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tags       = local.tags
  depends_on = [aws_iam_role_policy.function]
}

# ReportBatchItemFailures: the function names the messages to redeliver; the rest of the batch is done.
resource "aws_lambda_event_source_mapping" "events" {
  event_source_arn                   = aws_sqs_queue.events.arn
  function_name                      = aws_lambda_function.function["events"].arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]
  tags                               = local.tags
  # Reads go through the hub account's reader role: events wait for it.
  depends_on = [aws_cloudformation_stack.hub_spoke]
}

# A failed scheduled reconcile is not retried by Lambda: the next run (one interval later) redoes it
# whole, and the error alarm has already fired.
resource "aws_lambda_function_event_invoke_config" "reconcile" {
  function_name                = aws_lambda_function.function["reconcile"].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 900
}

resource "aws_scheduler_schedule_group" "netdrift" {
  name = local.name
  tags = local.tags
}

# One reconcile per account on the schedule (functions/aws/capture.ts: {"account": "…"}).
resource "aws_scheduler_schedule" "reconcile" {
  for_each            = toset(local.reconcile_accounts)
  name                = "reconcile-${each.key}"
  group_name          = aws_scheduler_schedule_group.netdrift.name
  schedule_expression = var.reconcile_schedule

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.function["reconcile"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ account = each.key })

    retry_policy {
      maximum_retry_attempts       = 0 # the next run retries
      maximum_event_age_in_seconds = 300
    }
  }
}

# Alerts a rate limit held back go with the next invocation; this pass sends them when no event comes.
resource "aws_scheduler_schedule" "drain" {
  name                = "drain"
  group_name          = aws_scheduler_schedule_group.netdrift.name
  schedule_expression = var.drain_schedule

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.function["events"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ netdrift = "drain" })

    retry_policy {
      maximum_retry_attempts       = 0 # the next run drains
      maximum_event_age_in_seconds = 60
    }
  }
}

resource "aws_scheduler_schedule" "refresh" {
  for_each            = var.refresh_schedule == null ? toset([]) : toset(local.reconcile_accounts)
  name                = "refresh-${each.key}"
  group_name          = aws_scheduler_schedule_group.netdrift.name
  schedule_expression = coalesce(var.refresh_schedule, "rate(1 day)")

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 60
  }

  target {
    arn      = aws_lambda_function.function["refresh"].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ account = each.key })
  }
}
