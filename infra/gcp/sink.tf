# The Log Router sink at the watched level: the catalog's methods from the Admin Activity log, to the
# events topic. Folder and organisation sinks include their children (every project below them).

resource "google_logging_project_sink" "events" {
  count = var.sink_level == "project" ? 1 : 0

  name                   = "${local.name}-events"
  project                = var.project_id
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.events.id}"
  filter                 = local.log_filter
  unique_writer_identity = true
}

resource "google_logging_folder_sink" "events" {
  count = var.sink_level == "folder" ? 1 : 0

  name             = "${local.name}-events"
  folder           = var.folder_id
  destination      = "pubsub.googleapis.com/${google_pubsub_topic.events.id}"
  filter           = local.log_filter
  include_children = true
}

resource "google_logging_organization_sink" "events" {
  count = var.sink_level == "organization" ? 1 : 0

  name             = "${local.name}-events"
  org_id           = var.organization_id
  destination      = "pubsub.googleapis.com/${google_pubsub_topic.events.id}"
  filter           = local.log_filter
  include_children = true
}

locals {
  sink_writer_identity = one(concat(
    google_logging_project_sink.events[*].writer_identity,
    google_logging_folder_sink.events[*].writer_identity,
    google_logging_organization_sink.events[*].writer_identity,
  ))
}

# The sink's writer identity may publish to the events topic, and only there.
resource "google_pubsub_topic_iam_member" "sink_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = local.sink_writer_identity
}
