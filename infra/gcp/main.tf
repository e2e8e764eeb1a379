# netdrift on GCP: a Log Router sink (project, folder or organisation) exporting the catalog's Admin
# Activity audit entries to a Pub/Sub topic, a push subscription (OIDC, dead-letter topic) to the
# `events` function, the `refresh` and `reconcile` functions (Cloud Run functions, Node 22) with their
# Cloud Scheduler jobs, the Firestore database holding the state and the snapshots, and the service
# accounts. The sink's filter is generated from the catalog (generate.mjs writes log-filter.txt).

data "google_project" "current" {
  project_id = var.project_id
}

locals {
  name = var.name_prefix

  # The catalog's Log Router filter, the same one the GCP adapter parses entries of.
  log_filter = trimspace(file("${path.module}/log-filter.txt"))

  dist_dir  = coalesce(var.dist_dir, "${path.module}/../../dist/gcp")
  functions = toset(["events", "refresh", "reconcile"])

  # A 2nd gen function answers at https://<region>-<project>.cloudfunctions.net/<name> (its `url`), known
  # before it exists: the push and scheduler tokens' audience and what the events function checks.
  function_urls = { for f in local.functions : f => "https://${var.region}-${var.project_id}.cloudfunctions.net/${local.name}-${f}" }

  pubsub_service_agent = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Secret Manager secrets read as environment variables (version latest, resolved at instance start;
  # a deployment fails while a secret has no version, so they are created before, outside the module).
  secrets = { for name, secret in {
    NETDRIFT_SLACK_WEBHOOK_URL     = var.slack_webhook_secret_id
    NETDRIFT_PAGERDUTY_ROUTING_KEY = var.pagerduty_routing_key_secret_id
  } : name => secret if secret != null }

  environment = merge(
    {
      GOOGLE_CLOUD_PROJECT            = var.project_id
      NETDRIFT_FIRESTORE_DATABASE     = google_firestore_database.state.name
      NETDRIFT_FIRESTORE_PREFIX       = var.firestore_prefix
      NETDRIFT_PUBSUB_AUDIENCE        = local.function_urls.events
      NETDRIFT_PUBSUB_SERVICE_ACCOUNT = google_service_account.invoker.email
      # refresh and reconcile accept the invoker's tokens for their own URL (NETDRIFT_INVOKER_AUDIENCE, per function).
      NETDRIFT_INVOKER_SERVICE_ACCOUNTS = google_service_account.invoker.email
      NETDRIFT_SLACK_MIN_SEVERITY       = var.slack_min_severity
      NETDRIFT_PAGERDUTY_MIN_SEVERITY   = var.pagerduty_min_severity
      NETDRIFT_EVENT_TTL_HOURS          = tostring(var.event_ttl_hours)
    },
    length(var.regions) == 0 ? {} : { NETDRIFT_REGIONS = join(",", var.regions) },
    var.pagerduty_url == null ? {} : { NETDRIFT_PAGERDUTY_URL = var.pagerduty_url },
    var.routing == null ? {} : { NETDRIFT_ROUTING = jsonencode(var.routing) },
  )

  labels = merge({ netdrift-component = "hub" }, var.labels)
}
