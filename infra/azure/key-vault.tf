# The Slack webhook URL and PagerDuty routing key live here, written by the operator
# (az keyvault secret set); the app settings reference them by versionless URI, so a rotated
# secret is picked up without a deployment. Access is by Azure RBAC only.

resource "azurerm_key_vault" "secrets" {
  name                       = var.key_vault_name
  resource_group_name        = azurerm_resource_group.hub.name
  location                   = var.location
  tenant_id                  = local.tenant_id
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  purge_protection_enabled   = true
  soft_delete_retention_days = 30
  tags                       = local.tags
}
