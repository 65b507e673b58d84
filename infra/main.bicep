// Entry point for `azd provision` / `azd up`: the SCIM connector on Azure Functions (Flex
// Consumption), its identity, storage, monitoring, Key Vault and, when an on-premises endpoint
// is given, the Azure Relay Hybrid Connection it sends to.
//
// Every resource is declared in this folder (no registry modules), so the templates can be read
// in one place and checked offline (tests/infra).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person (or pipeline) running azd. When set, it may manage the vault secrets.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Kind of principal principalId refers to.')
param principalType string = 'User'

@minLength(1)
@description('Okta org URL, e.g. https://example.okta.com (app setting OKTA_ORG_URL).')
param oktaOrgUrl string

@description('host:port of the on-premises REST application. Empty: no Azure Relay resources are created.')
param onPremEndpoint string = ''

@description('Name of the Hybrid Connection inside the Relay namespace (used only with onPremEndpoint).')
param relayHybridConnectionName string = 'onprem-rest'

@minValue(0)
@maxValue(20)
@description('Always-ready instances for the http group (0 lets the app scale to zero, with cold starts).')
param alwaysReadyInstanceCount int = 1

@minValue(40)
@maxValue(1000)
@description('Upper bound of instances Flex Consumption may scale out to.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(7)
@maxValue(90)
@description('Days a deleted vault (and its secrets) stays recoverable. Purge protection keeps it that long.')
param keyVaultSoftDeleteRetentionInDays int = 7

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var enableRelay = !empty(onPremEndpoint)
var relayNamespaceName = 'relay-${resourceToken}'
var relaySendRuleName = 'defaultSender'
var relayListenRuleName = 'defaultListener'

// Names of the secrets in the vault. The connector's defaults are the same; they are set as app
// settings anyway so the deployment states where each secret lives.
var oktaApiTokenSecretName = 'okta-api-token'
var scimBearerSecretName = 'scim-bearer-token'
var scimBearerPreviousSecretName = 'scim-bearer-token-previous'
var relaySendKeySecretName = 'relay-send-key'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: 'app-package-${resourceToken}'
    appPrincipalId: identity.outputs.principalId
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    appPrincipalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module relay 'core/relay.bicep' = if (enableRelay) {
  name: 'relay'
  scope: rg
  params: {
    namespaceName: relayNamespaceName
    location: location
    tags: tags
    hybridConnectionName: relayHybridConnectionName
    onPremEndpoint: onPremEndpoint
    sendRuleName: relaySendRuleName
    listenRuleName: relayListenRuleName
    keyVaultName: keyVault.outputs.name
    sendKeySecretName: relaySendKeySecretName
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    oktaOrgUrl: oktaOrgUrl
    oktaApiTokenSecretName: oktaApiTokenSecretName
    scimBearerSecretName: scimBearerSecretName
    scimBearerPreviousSecretName: scimBearerPreviousSecretName
    relayNamespaceFqdn: enableRelay ? '${relayNamespaceName}.servicebus.windows.net' : ''
    relayHybridConnectionName: relayHybridConnectionName
    relaySendRuleName: relaySendRuleName
    relaySendKeySecretName: relaySendKeySecretName
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

// Outputs become azd environment values (.azure/<env>/.env). None of them is a secret.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output SCIM_TENANT_URL string = 'https://${api.outputs.defaultHostName}/api/scim/v2'
output AZURE_RELAY_NAMESPACE string = enableRelay ? relayNamespaceName : ''
output AZURE_RELAY_HYBRID_CONNECTION string = enableRelay ? relayHybridConnectionName : ''
output AZURE_RELAY_LISTEN_RULE_NAME string = enableRelay ? relayListenRuleName : ''
