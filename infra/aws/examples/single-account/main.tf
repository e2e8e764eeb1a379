# netdrift in one account: the hub and the spoke in the same place. The functions still read the
# account through the spoke's reader role, which the module deploys here as a stack.
#
#   npm ci && npm run build          # from the repository root: builds dist/aws/<function>/
#   cd infra/aws/examples/single-account
#   terraform init && terraform apply -var region=eu-west-1

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
  description = "The home region: the hub lives here and captures cover it."
  type        = string
  default     = "eu-west-1"
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

# Route 53 reports its API calls in us-east-1 only.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

module "netdrift" {
  source = "../.."

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  regions                          = distinct([var.region, "us-east-1"])
  slack_webhook_secret_arn         = var.slack_webhook_secret_arn
  pagerduty_routing_key_secret_arn = var.pagerduty_routing_key_secret_arn
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
}

output "snapshot_store" {
  description = "Approve baselines here: netdrift snapshot approve --store <this>."
  value       = module.netdrift.snapshot_store
}

output "function_names" {
  description = "The deployed functions."
  value       = module.netdrift.function_names
}
