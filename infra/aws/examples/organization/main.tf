# netdrift for an AWS Organization: the hub in one account (a delegated administrator for
# CloudFormation StackSets, or the management account), a spoke in every member account of the
# given OUs, deployed by a service-managed StackSet and to new accounts as they join.
#
#   npm ci && npm run build          # from the repository root: builds dist/aws/<function>/
#   cd infra/aws/examples/organization
#   terraform init && terraform apply \
#     -var organization_id=o-abcdefghij -var 'organizational_unit_ids=["ou-abcd-11111111"]' \
#     -var 'member_accounts=["111122223333","444455556666"]'

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4.0"
    }
  }
}

variable "region" {
  description = "The home region of the hub; the spokes deploy here and in us-east-1."
  type        = string
  default     = "eu-west-1"
}

variable "organization_id" {
  description = "The organisation (o-…) whose accounts may put events on the hub bus."
  type        = string
}

variable "organizational_unit_ids" {
  description = "OUs (or the root, r-…) whose accounts get the spoke."
  type        = list(string)
}

variable "member_accounts" {
  description = "Accounts reconciled on the schedule (each gets its own schedule; the hub account is added)."
  type        = list(string)
  default     = []
}

variable "delegated_admin" {
  description = "True when this account is a delegated administrator for StackSets rather than the management account."
  type        = bool
  default     = true
}

variable "reader_external_id" {
  description = "Optional external id the reader role requires."
  type        = string
  default     = null
}

variable "slack_webhook_secret_arn" {
  description = "Secrets Manager ARN of the Slack webhook URL (null: no Slack)."
  type        = string
  default     = null
}

variable "pagerduty_routing_key_secret_arn" {
  description = "Secrets Manager ARN of the PagerDuty routing key (null: no PagerDuty)."
  type        = string
  default     = null
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic for the alarms (null: alarms without actions)."
  type        = string
  default     = null
}

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

data "aws_caller_identity" "hub" {}

module "netdrift" {
  source = "../.."

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  organization_id    = var.organization_id
  regions            = distinct([var.region, "us-east-1"])
  reconcile_accounts = distinct(concat([data.aws_caller_identity.hub.account_id], var.member_accounts))
  reader_external_id = var.reader_external_id

  spoke_stack_set = {
    organizational_unit_ids = var.organizational_unit_ids
    call_as                 = var.delegated_admin ? "DELEGATED_ADMIN" : "SELF"
  }

  slack_webhook_secret_arn         = var.slack_webhook_secret_arn
  pagerduty_routing_key_secret_arn = var.pagerduty_routing_key_secret_arn
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
}

output "event_bus_arn" {
  description = "The hub bus every spoke forwards to."
  value       = module.netdrift.event_bus_arn
}

output "spoke_stack_set_name" {
  description = "The StackSet that deploys the spokes."
  value       = module.netdrift.spoke_stack_set_name
}

output "snapshot_store" {
  description = "Approve baselines here: netdrift snapshot approve --store <this>."
  value       = module.netdrift.snapshot_store
}
