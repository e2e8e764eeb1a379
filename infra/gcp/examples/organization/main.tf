# netdrift watching every project of an organisation (or, with sink_level = "folder", of a folder):
# one organisation sink with include_children exporting to the hub project's topic, and the functions'
# service account reading the network (and Cloud Asset Inventory) at the organisation. The deployer
# needs Logging Admin and Security Admin (or IAM admin) on the organisation.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 7.0"
    }
  }
}

variable "organization_id" {
  description = "The organisation's number (gcloud organizations list)."
  type        = string
}

provider "google" {
  project = "netdrift-hub"
  region  = "europe-west1"
}

module "netdrift" {
  source = "../.."

  project_id         = "netdrift-hub"
  region             = "europe-west1"
  firestore_location = "eur3"
  sink_level         = "organization"
  organization_id    = var.organization_id

  slack_webhook_secret_id         = "netdrift-slack-webhook-url"
  pagerduty_routing_key_secret_id = "netdrift-pagerduty-routing-key"
  refresh_schedule                = "0 6 * * 1"

  # The projects reconcile and refresh capture (every project's events arrive through the one sink).
  reconcile_projects = ["net-prod", "net-staging", "shared-vpc-host"]
}

output "sink_writer_identity" {
  value = module.netdrift.sink_writer_identity
}

output "function_urls" {
  value = module.netdrift.function_urls
}
