# The spokes, from one template (spoke/netdrift-spoke.yaml): a rule forwarding the catalog's
# events to the hub bus and the read-only reader role the functions assume.
# - In the hub account: a stack in the home region, reader role only (the hub's own rules in
#   events.tf forward its events from the home region and us-east-1), and a forwarding-only stack
#   in every other captured region.
# - In the organisation: a service-managed StackSet on the given OUs, in the home region,
#   us-east-1 (Route 53) and every captured region, auto-deployed to accounts that join them later.
#   The hub account is left out of it: it has its stacks above.

locals {
  spoke_template = file("${path.module}/spoke/netdrift-spoke.yaml")
  spoke_regions  = distinct(concat([local.region, "us-east-1"], local.capture_regions))
  # Captured regions the hub account's own rules (home region, us-east-1) do not cover.
  hub_forward_regions = setsubtract(var.watch_hub_account ? local.capture_regions : [], [local.region, "us-east-1"])

  spoke_parameters = {
    HubEventBusArn      = aws_cloudwatch_event_bus.hub.arn
    HubFunctionRoleArns = join(",", values(local.function_role_arns))
    ReaderRoleName      = var.reader_role_name
    ReaderExternalId    = var.reader_external_id == null ? "" : var.reader_external_id
    ReaderRoleRegion    = local.region
  }
}

resource "aws_cloudformation_stack" "hub_spoke" {
  count         = var.spoke_in_hub_account ? 1 : 0
  name          = "${local.name}-spoke"
  template_body = local.spoke_template
  capabilities  = ["CAPABILITY_NAMED_IAM"]
  parameters    = merge(local.spoke_parameters, { ForwardEvents = "false" })
  tags          = local.tags
  # The trust policy names the function roles: they must exist first.
  depends_on = [aws_iam_role.function]
}

resource "aws_cloudformation_stack" "hub_forwarder" {
  for_each      = toset(local.hub_forward_regions)
  region        = each.key
  name          = "${local.name}-spoke"
  template_body = local.spoke_template
  capabilities  = ["CAPABILITY_NAMED_IAM"]
  parameters    = merge(local.spoke_parameters, { ForwardEvents = "true" })
  tags          = local.tags
}

resource "aws_cloudformation_stack_set" "spoke" {
  count            = var.spoke_stack_set == null ? 0 : 1
  name             = "${local.name}-spoke"
  description      = "netdrift spoke: forwards network changes to the hub bus; the reader role the hub assumes"
  permission_model = "SERVICE_MANAGED"
  call_as          = var.spoke_stack_set.call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = local.spoke_template
  parameters       = merge(local.spoke_parameters, { ForwardEvents = "true" })

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  managed_execution {
    active = true
  }

  operation_preferences {
    region_concurrency_type      = "PARALLEL"
    max_concurrent_percentage    = var.spoke_stack_set.max_concurrent_percent
    failure_tolerance_percentage = var.spoke_stack_set.failure_tolerance
  }

  tags = local.tags

  lifecycle {
    # Service-managed stack sets report the administration role AWS picks for them.
    ignore_changes = [administration_role_arn]
  }

  depends_on = [aws_iam_role.function]
}

resource "aws_cloudformation_stack_set_instance" "spoke" {
  for_each                  = var.spoke_stack_set == null ? toset([]) : toset(local.spoke_regions)
  stack_set_name            = aws_cloudformation_stack_set.spoke[0].name
  call_as                   = var.spoke_stack_set.call_as
  stack_set_instance_region = each.key

  deployment_targets {
    organizational_unit_ids = var.spoke_stack_set.organizational_unit_ids
    # The hub account has its own spoke stack (reader role) and rules.
    account_filter_type = "DIFFERENCE"
    accounts            = [local.account]
  }

  operation_preferences {
    region_concurrency_type      = "PARALLEL"
    max_concurrent_percentage    = var.spoke_stack_set.max_concurrent_percent
    failure_tolerance_percentage = var.spoke_stack_set.failure_tolerance
  }
}
