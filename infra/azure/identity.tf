# What the app may do: read the watched scope (Reader, nothing broader), and use its own storage
# account and vault through data-plane roles scoped to those resources alone.

resource "azurerm_user_assigned_identity" "app" {
  name                = "${local.name}-app"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  tags                = local.tags
}

resource "azurerm_role_assignment" "reader" {
  for_each = local.reader_scopes

  scope                = each.value
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "blob_data" {
  scope                = azurerm_storage_account.data.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "table_data" {
  scope                = azurerm_storage_account.data.id
  role_definition_name = "Storage Table Data Contributor"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "secrets_user" {
  scope                = azurerm_key_vault.secrets.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# Key Vault references resolve with the system-assigned identity: azurerm_function_app_flex_consumption
# has no key_vault_reference_identity_id yet (hashicorp/terraform-provider-azurerm#28928). It gets the
# same read of the vault's secrets and nothing else.
resource "azurerm_role_assignment" "secrets_user_system" {
  scope                = azurerm_key_vault.secrets.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_function_app_flex_consumption.app.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}
