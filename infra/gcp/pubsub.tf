# The events topic, its push subscription to the events function (OIDC token of the invoker service
# account, audience the function's URL) and the dead-letter topic with a pull subscription that keeps
# what could not be delivered (a topic without subscriptions drops messages).

resource "google_pubsub_topic" "events" {
  name                       = "${local.name}-events"
  project                    = var.project_id
  message_retention_duration = "86400s"
  labels                     = local.labels
}

resource "google_pubsub_topic" "dead_letters" {
  name    = "${local.name}-events-dead-letters"
  project = var.project_id
  labels  = local.labels
}

resource "google_pubsub_subscription" "events_push" {
  name                       = "${local.name}-events-push"
  project                    = var.project_id
  topic                      = google_pubsub_topic.events.id
  ack_deadline_seconds       = min(var.function_timeout_seconds, 600)
  message_retention_duration = "604800s"
  labels                     = local.labels

  push_config {
    push_endpoint = local.function_urls.events

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = local.function_urls.events
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letters.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloudfunctions2_function.function]
}

resource "google_pubsub_subscription" "dead_letters" {
  name                       = "${local.name}-events-dead-letters"
  project                    = var.project_id
  topic                      = google_pubsub_topic.dead_letters.id
  message_retention_duration = "604800s"
  labels                     = local.labels

  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering is done by the Pub/Sub service agent: it publishes to the dead-letter topic and
# acknowledges on the source subscription (https://cloud.google.com/pubsub/docs/handling-failures).
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letters.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.events_push.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
