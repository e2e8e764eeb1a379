# Cloud Scheduler calls reconcile (and refresh, when refresh_schedule is set) for each project, with an
# OIDC token of the invoker service account; a failed run is retried a few times, the next run redoes it.

locals {
  schedules = merge(
    { reconcile = var.reconcile_schedule },
    var.refresh_schedule == null ? {} : { refresh = var.refresh_schedule },
  )
  scheduled_projects = length(var.reconcile_projects) > 0 ? var.reconcile_projects : [var.project_id]
  scheduler_jobs = { for pair in setproduct(keys(local.schedules), local.scheduled_projects) : "${pair[0]}-${pair[1]}" => {
    function = pair[0]
    project  = pair[1]
  } }
}

resource "google_cloud_scheduler_job" "function" {
  for_each = local.scheduler_jobs

  name             = "${local.name}-${each.key}"
  project          = var.project_id
  region           = var.region
  schedule         = local.schedules[each.value.function]
  time_zone        = var.schedule_time_zone
  attempt_deadline = "${min(var.function_timeout_seconds, 1800)}s"

  http_target {
    http_method = "POST"
    uri         = local.function_urls[each.value.function]
    body        = base64encode(jsonencode({ project = each.value.project }))
    headers     = { "Content-Type" = "application/json" }

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.function_urls[each.value.function]
    }
  }

  retry_config {
    retry_count          = 2
    min_backoff_duration = "60s"
  }

  depends_on = [google_cloudfunctions2_function.function]
}
