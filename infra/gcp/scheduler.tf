# Cloud Scheduler calls reconcile (and refresh, when refresh_schedule is set) with an OIDC token of the
# invoker service account; a failed run is retried a few times, the next run redoes it anyway.

locals {
  schedules = merge(
    { reconcile = var.reconcile_schedule },
    var.refresh_schedule == null ? {} : { refresh = var.refresh_schedule },
  )
}

resource "google_cloud_scheduler_job" "function" {
  for_each = local.schedules

  name             = "${local.name}-${each.key}"
  project          = var.project_id
  region           = var.region
  schedule         = each.value
  time_zone        = var.schedule_time_zone
  attempt_deadline = "${min(var.function_timeout_seconds, 1800)}s"

  http_target {
    http_method = "POST"
    uri         = local.function_urls[each.key]
    body        = base64encode("{}")
    headers     = { "Content-Type" = "application/json" }

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.function_urls[each.key]
    }
  }

  retry_config {
    retry_count          = 2
    min_backoff_duration = "60s"
  }

  depends_on = [google_cloudfunctions2_function.function]
}
