# The three functions (Cloud Run functions, 2nd gen, nodejs22), built from one zip of dist/gcp in the
# source bucket: `events` (the Pub/Sub push handler, target `pubsub`), `refresh` and `reconcile` (HTTP,
# called by Cloud Scheduler).
# All require authentication: only the invoker service account may call them.

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.dist_dir
  output_path = "${path.root}/.terraform/netdrift-gcp-functions.zip"
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${local.name}-source"
  project                     = var.project_id
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      num_newer_versions = 3
      with_state         = "ARCHIVED"
    }
  }

  versioning {
    enabled = true
  }
}

# Named by content: a new build is a new object, which redeploys the functions.
resource "google_storage_bucket_object" "source" {
  name   = "functions/${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  name     = "${local.name}-${each.key}"
  project  = var.project_id
  location = var.region
  labels   = local.labels

  build_config {
    runtime     = "nodejs22"
    entry_point = var.entry_points[each.key]

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.functions.email
    available_memory                 = var.function_memory
    timeout_seconds                  = var.function_timeout_seconds
    max_instance_count               = var.max_instance_count
    max_instance_request_concurrency = 1
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    environment_variables            = merge(local.environment, { NETDRIFT_INVOKER_AUDIENCE = local.function_urls[each.key] })

    dynamic "secret_environment_variables" {
      for_each = local.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.functions]
}
