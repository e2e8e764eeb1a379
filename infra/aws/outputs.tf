output "event_bus_arn" {
  description = "The hub bus the spokes forward to (the spoke template's HubEventBusArn)."
  value       = aws_cloudwatch_event_bus.hub.arn
}

output "event_bus_name" {
  description = "The hub bus's name."
  value       = aws_cloudwatch_event_bus.hub.name
}

output "event_pattern" {
  description = "The catalog's EventBridge pattern every rule uses."
  value       = local.event_pattern
}

output "queue_url" {
  description = "The queue in front of the events function."
  value       = aws_sqs_queue.events.id
}

output "dead_letter_queue_url" {
  description = "Where events go after queue_max_receive_count failed deliveries (alarmed; redrive them once the cause is fixed)."
  value       = aws_sqs_queue.events_dlq.id
}

output "function_names" {
  description = "The functions by role: events, refresh, reconcile (netdrift snapshot refresh invokes refresh)."
  value       = { for f, fn in aws_lambda_function.function : f => fn.function_name }
}

output "function_role_arns" {
  description = "The functions' roles, the principals every spoke's reader role trusts (the spoke template's HubFunctionRoleArns)."
  value       = { for f, role in aws_iam_role.function : f => role.arn }
}

output "reader_role_name" {
  description = "The spoke role the functions assume in every account (NETDRIFT_READER_ROLE)."
  value       = var.reader_role_name
}

output "state_table_name" {
  description = "The DynamoDB state table."
  value       = aws_dynamodb_table.state.name
}

output "snapshot_bucket" {
  description = "The snapshot bucket: netdrift snapshot show|diff|approve --store s3://<bucket>/<prefix>."
  value       = aws_s3_bucket.snapshots.id
}

output "snapshot_store" {
  description = "The store URL the CLI takes (--store)."
  value       = "s3://${aws_s3_bucket.snapshots.id}/${var.snapshot_prefix}"
}

output "spoke_stack_set_name" {
  description = "The spoke StackSet, when spoke_stack_set is set."
  value       = one(aws_cloudformation_stack_set.spoke[*].name)
}
