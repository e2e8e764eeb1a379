output "function_app_name" {
  description = "The Function App."
  value       = azurerm_function_app_flex_consumption.app.name
}

output "function_app_hostname" {
  description = "The app's default hostname (https://<hostname>/api/…)."
  value       = azurerm_function_app_flex_consumption.app.default_hostname
}

output "webhook_url" {
  description = "The Event Grid endpoint, ?code= secret included: what ./subscription needs for every other watched subscription."
  value       = local.webhook_url
  sensitive   = true
}

output "identity_principal_id" {
  description = "The app's user-assigned identity (Reader on the watched scope)."
  value       = azurerm_user_assigned_identity.app.principal_id
}

output "identity_client_id" {
  description = "Client id of the app's user-assigned identity."
  value       = azurerm_user_assigned_identity.app.client_id
}

output "storage_account_id" {
  description = "The storage account (snapshots, state, dead letters): ./subscription's dead_letter_storage_account_id."
  value       = azurerm_storage_account.data.id
}

output "snapshot_store" {
  description = "The --store URL of the snapshot CLI commands (snapshot show|diff|approve)."
  value       = "azblob://${azurerm_storage_account.data.name}/${azurerm_storage_container.snapshots.name}/${var.snapshot_prefix}"
}

output "dead_letter_container" {
  description = "Blob container of events Event Grid could not deliver."
  value       = azurerm_storage_container.dead_letters.name
}

output "state_table" {
  description = "The Table holding the pipeline's state."
  value       = azurerm_storage_table.state.name
}

output "key_vault_name" {
  description = "The vault the Slack and PagerDuty secrets go to (az keyvault secret set --vault-name …)."
  value       = azurerm_key_vault.secrets.name
}

output "event_subscription_names" {
  description = "The own subscription's Event Grid event subscriptions, one per generated filter."
  value       = var.watch_own_subscription ? module.own_subscription_events[0].event_subscription_names : []
}
