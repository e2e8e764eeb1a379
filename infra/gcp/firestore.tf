# The Firestore database (Native mode) holding the pipeline's state (adapters/gcp/firestore-state-store.ts)
# and the snapshots (adapters/gcp/firestore-snapshot-store.ts, parts below the 1 MiB document limit):
# no snapshot bucket is needed.

resource "google_firestore_database" "state" {
  name                              = var.firestore_database
  project                           = var.project_id
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"
}

# Processed event ids and abandoned claims expire on `expireAt` (Firestore's TTL policy deletes them
# within a day of it); the field is never queried, so it is left out of the single-field indexes.
resource "google_firestore_field" "processed_ttl" {
  project    = var.project_id
  database   = google_firestore_database.state.name
  collection = "${var.firestore_prefix}-processed"
  field      = "expireAt"

  ttl_config {}

  index_config {}
}

# The outbox is read by state in send order (`state` ==, then `order`).
resource "google_firestore_index" "outbox_by_state" {
  project     = var.project_id
  database    = google_firestore_database.state.name
  collection  = "${var.firestore_prefix}-outbox"
  query_scope = "COLLECTION"

  fields {
    field_path = "state"
    order      = "ASCENDING"
  }

  fields {
    field_path = "order"
    order      = "ASCENDING"
  }
}
