# netdrift watching one project: the sink, topic, functions and Firestore in that project.
#
#   npm run build                       # dist/gcp, the functions this deploys
#   printf %s "$SLACK_URL" | gcloud secrets create netdrift-slack-webhook-url --data-file=- --project my-project
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 7.0"
    }
  }
}

provider "google" {
  project = "my-project"
  region  = "europe-west1"
}

module "netdrift" {
  source = "../.."

  project_id         = "my-project"
  region             = "europe-west1"
  firestore_location = "europe-west1"
  sink_level         = "project"

  slack_webhook_secret_id         = "netdrift-slack-webhook-url"
  pagerduty_routing_key_secret_id = "netdrift-pagerduty-routing-key"
}

output "function_urls" {
  value = module.netdrift.function_urls
}

output "snapshot_store" {
  value = module.netdrift.snapshot_store
}
