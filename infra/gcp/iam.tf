# Who may do what. The functions' service account reads the network of the watched scope
# (compute.networkViewer, dns.reader at the sink's level), uses its own project's Firestore
# (datastore.user), reads its own alert secrets and, for a folder or organisation, lists assets through
# Cloud Asset Inventory (cloudasset.viewer: capture of many projects, adapters/gcp/asset-capture.ts).
# The invoker service account signs the push and scheduler tokens and may invoke the functions.

resource "google_service_account" "functions" {
  account_id   = "${local.name}-functions"
  project      = var.project_id
  display_name = "netdrift functions (reads the network)"
}

resource "google_service_account" "invoker" {
  account_id   = "${local.name}-invoker"
  project      = var.project_id
  display_name = "netdrift invoker (Pub/Sub push and Cloud Scheduler tokens)"
}

locals {
  reader_roles = toset(["roles/compute.networkViewer", "roles/dns.reader"])
  # Capture of a folder or an organisation lists its resources through Cloud Asset Inventory.
  scope_roles = var.sink_level == "project" ? local.reader_roles : setunion(local.reader_roles, ["roles/cloudasset.viewer"])
}

resource "google_project_iam_member" "reader" {
  for_each = var.sink_level == "project" ? local.scope_roles : toset([])

  project = var.project_id
  role    = each.value
  member  = google_service_account.functions.member
}

resource "google_folder_iam_member" "reader" {
  for_each = var.sink_level == "folder" ? local.scope_roles : toset([])

  folder = "folders/${var.folder_id}"
  role   = each.value
  member = google_service_account.functions.member
}

resource "google_organization_iam_member" "reader" {
  for_each = var.sink_level == "organization" ? local.scope_roles : toset([])

  org_id = var.organization_id
  role   = each.value
  member = google_service_account.functions.member
}

resource "google_project_iam_member" "firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.functions.member
}

resource "google_secret_manager_secret_iam_member" "functions" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.functions.member
}

# A 2nd gen function is a Cloud Run service of the same name: invoking it is run.invoker on that service.
resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.function[each.key].name
  role     = "roles/run.invoker"
  member   = google_service_account.invoker.member
}
