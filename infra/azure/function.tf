# The Function App: Flex Consumption, Node 22, the built app (dist/azure) zip-deployed. Its functions
# (functions/azure): `events` (HTTP, Event Grid webhook), `refresh` (HTTP, function key), and
# `reconcile`, a timer declared in the app's code on %NETDRIFT_RECONCILE_SCHEDULE%.

data "archive_file" "app" {
  type        = "zip"
  source_dir  = local.dist_dir
  output_path = "${path.root}/.terraform/netdrift-azure-app.zip"
}

resource "azurerm_service_plan" "app" {
  name                = "${local.name}-plan"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = local.tags
}

resource "azurerm_log_analytics_workspace" "app" {
  count = var.application_insights ? 1 : 0

  name                = "${local.name}-logs"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  sku                 = "PerGB2018"
  retention_in_days   = 30
  tags                = local.tags
}

resource "azurerm_application_insights" "app" {
  count = var.application_insights ? 1 : 0

  name                = "${local.name}-insights"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  application_type    = "Node.JS"
  workspace_id        = azurerm_log_analytics_workspace.app[0].id
  tags                = local.tags
}

resource "azurerm_function_app_flex_consumption" "app" {
  name                = "${local.name}-app"
  resource_group_name = azurerm_resource_group.hub.name
  location            = var.location
  service_plan_id     = azurerm_service_plan.app.id

  runtime_name           = "node"
  runtime_version        = "22"
  maximum_instance_count = var.maximum_instance_count
  instance_memory_in_mb  = var.instance_memory_in_mb

  storage_container_type            = "blobContainer"
  storage_container_endpoint        = "${azurerm_storage_account.data.primary_blob_endpoint}${azurerm_storage_container.package.name}"
  storage_authentication_type       = "UserAssignedIdentity"
  storage_user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  zip_deploy_file                   = data.archive_file.app.output_path

  https_only   = true
  app_settings = local.app_settings
  tags         = local.tags

  identity {
    type         = "SystemAssigned, UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.app.id]
  }

  site_config {
    minimum_tls_version                    = "1.2"
    application_insights_connection_string = var.application_insights ? azurerm_application_insights.app[0].connection_string : null
  }

  # The package container is read with the identity: its role must exist before the first deployment.
  depends_on = [azurerm_role_assignment.blob_data]
}
