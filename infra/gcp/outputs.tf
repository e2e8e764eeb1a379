output "function_urls" {
  description = "The functions' URLs (events: the push endpoint; refresh and reconcile: HTTP, authenticated)."
  value       = { for f, fn in google_cloudfunctions2_function.function : f => fn.url }
}

output "functions_service_account" {
  description = "The functions' service account (network reader)."
  value       = google_service_account.functions.email
}

output "invoker_service_account" {
  description = "The service account whose OIDC tokens the push subscription and scheduler send."
  value       = google_service_account.invoker.email
}

output "events_topic" {
  description = "The topic the sink exports to."
  value       = google_pubsub_topic.events.id
}

output "dead_letter_subscription" {
  description = "Pull subscription of the dead-letter topic (gcloud pubsub subscriptions pull …)."
  value       = google_pubsub_subscription.dead_letters.id
}

output "sink_writer_identity" {
  description = "The sink's writer identity (publisher on the events topic)."
  value       = local.sink_writer_identity
}

output "firestore_database" {
  description = "The Firestore database holding state and snapshots."
  value       = google_firestore_database.state.name
}

output "snapshot_store" {
  description = "The --store URL of the snapshot CLI commands (snapshot show|diff|approve): the Firestore database and collection prefix."
  value       = "firestore://${var.project_id}/${google_firestore_database.state.name}?prefix=${var.firestore_prefix}"
}
