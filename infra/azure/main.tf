# netdrift on Azure: the Function App (Flex Consumption, Node 22) that receives the watched
# subscriptions' ARM events from Event Grid, its storage (snapshots in Blob, state in Table, dead
# letters), its Key Vault, the identity that reads the network, and the Event Grid topic of the
# provider's own subscription (./subscription; other subscriptions call that module themselves).
# The event subscriptions' filters are generated from the catalog (generate.mjs writes event-subscriptions.json).

data "azurerm_client_config" "current" {}

locals {
  name      = var.name_prefix
  tenant_id = data.azurerm_client_config.current.tenant_id

  own_subscription    = data.azurerm_client_config.current.subscription_id
  watched             = length(var.watched_subscription_ids) > 0 ? var.watched_subscription_ids : [local.own_subscription]
  management_group_id = var.management_group_id == null ? null : "/providers/Microsoft.Management/managementGroups/${var.management_group_id}"

  # Reader on the management group, or on each watched subscription; nothing broader.
  reader_scopes = local.management_group_id != null ? toset([local.management_group_id]) : toset([for s in local.watched : "/subscriptions/${s}"])

  dist_dir = coalesce(var.dist_dir, "${path.module}/../../dist/azure")

  # The app's HTTP function `events` (functions/azure) answers Event Grid's validation handshake and
  # accepts ?code= (functions/shared/auth/event-grid-auth.ts) or, when configured, an Entra ID token.
  webhook_url = "https://${azurerm_function_app_flex_consumption.app.default_hostname}/api/events?code=${var.event_grid_secret}"

  # Key Vault references, resolved by the platform with the app's system-assigned identity (see function.tf).
  key_vault_reference = { for name, secret in {
    NETDRIFT_SLACK_WEBHOOK_URL     = var.slack_webhook_secret_name
    NETDRIFT_PAGERDUTY_ROUTING_KEY = var.pagerduty_routing_key_secret_name
  } : name => "@Microsoft.KeyVault(SecretUri=${azurerm_key_vault.secrets.vault_uri}secrets/${secret}/)" if secret != null }

  app_settings = merge(
    {
      # DefaultAzureCredential in the app picks the user-assigned identity by its client id.
      AZURE_CLIENT_ID                  = azurerm_user_assigned_identity.app.client_id
      AzureWebJobsStorage__accountName = azurerm_storage_account.data.name
      AzureWebJobsStorage__credential  = "managedidentity"
      AzureWebJobsStorage__clientId    = azurerm_user_assigned_identity.app.client_id
      NETDRIFT_STORAGE_ACCOUNT         = azurerm_storage_account.data.name
      NETDRIFT_SNAPSHOT_CONTAINER      = azurerm_storage_container.snapshots.name
      NETDRIFT_SNAPSHOT_PREFIX         = var.snapshot_prefix
      NETDRIFT_STATE_TABLE             = azurerm_storage_table.state.name
      NETDRIFT_SUBSCRIPTIONS           = join(",", local.watched)
      NETDRIFT_EVENT_GRID_SECRET       = var.event_grid_secret
      NETDRIFT_RECONCILE_SCHEDULE      = var.reconcile_schedule
      NETDRIFT_SLACK_MIN_SEVERITY      = var.slack_min_severity
      NETDRIFT_PAGERDUTY_MIN_SEVERITY  = var.pagerduty_min_severity
      NETDRIFT_EVENT_TTL_HOURS         = tostring(var.event_ttl_hours)
    },
    local.key_vault_reference,
    var.management_group_id == null ? {} : { NETDRIFT_MANAGEMENT_GROUP = var.management_group_id },
    var.entra_app_id_or_uri == null ? {} : { NETDRIFT_ENTRA_TENANT = local.tenant_id, NETDRIFT_ENTRA_AUDIENCE = var.entra_app_id_or_uri },
    var.pagerduty_url == null ? {} : { NETDRIFT_PAGERDUTY_URL = var.pagerduty_url },
    var.routing == null ? {} : { NETDRIFT_ROUTING = jsonencode(var.routing) },
  )

  tags = merge({ "netdrift-component" = "hub" }, var.tags)
}

resource "azurerm_resource_group" "hub" {
  name     = "${local.name}-hub"
  location = var.location
  tags     = local.tags
}

# The provider's own subscription: its system topic and event subscriptions, to the app.
module "own_subscription_events" {
  source = "./subscription"
  count  = var.watch_own_subscription ? 1 : 0

  subscription_id                = local.own_subscription
  name_prefix                    = local.name
  location                       = var.location
  webhook_url                    = local.webhook_url
  entra_app_id_or_uri            = var.entra_app_id_or_uri
  entra_tenant_id                = var.entra_app_id_or_uri == null ? null : local.tenant_id
  dead_letter_storage_account_id = azurerm_storage_account.data.id
  dead_letter_container          = azurerm_storage_container.dead_letters.name
  max_delivery_attempts          = var.max_delivery_attempts
  event_time_to_live             = var.event_time_to_live
  tags                           = local.tags

  # Event Grid sends the validation handshake when the subscription is created: the app must answer it.
  depends_on = [azurerm_function_app_flex_consumption.app]
}
