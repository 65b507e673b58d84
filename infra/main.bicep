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

// Regions that offer the Flex Consumption plan. Microsoft Learn ("Create and manage function apps
// in the Flex Consumption plan", section "View currently supported regions") keeps no static list:
// it points to `az functionapp list-flexconsumption-locations`. This list is the one Microsoft's
// own azd template pins (Azure-Samples/functions-quickstart-python-http-azd, infra/main.bicep,
// commit 0bb0f1062c51605e3fdeea59c4f669b550acf92e), read on 2026-12-01, without the canary region
// eastus2euap that only allow-listed subscriptions can use. When Microsoft adds a region, compare
// with the command above and add it here.
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@description('Azure region for every resource; one that offers Flex Consumption.')
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

@description('Okta org URL, e.g. https://example.okta.com (app setting OKTA_ORG_URL; empty with TARGET=rest).')
param oktaOrgUrl string = ''

@description('host:port of the on-premises REST application. Empty: no Azure Relay resources are created.')
param onPremEndpoint string = ''

@description('Name of the Hybrid Connection inside the Relay namespace (used only with onPremEndpoint).')
param relayHybridConnectionName string = 'onprem-rest'

// Scale limits that respect Okta: Okta allows 75 concurrent API calls per org, and each instance
// keeps up to OKTA_MAX_CONCURRENCY in flight. Flex Consumption's maximumInstanceCount bounds the
// on-demand instances only; always-ready instances come on top of it. So the worst case is
// (maximumInstanceCount + alwaysReadyInstanceCount) x oktaMaxConcurrency = (3 + 1) x 18 = 72 <= 75,
// which leaves a few calls for admins and other integrations. Raise one, lower another.
@minValue(0)
@maxValue(20)
@description('Always-ready instances for the http group (0 lets the app scale to zero, with cold starts).')
param alwaysReadyInstanceCount int = 1

@minValue(1)
@maxValue(1000)
@description('Upper bound of on-demand instances Flex Consumption may scale out to (always-ready ones come on top).')
param maximumInstanceCount int = 3

@allowed([
  512
  2048
  4096
])
@description('Memory of each instance, in MB.')
param instanceMemoryMB int = 2048

@description('Email address that receives the alerts. Empty: no alerts are deployed.')
param alertEmail string = ''

// --- Connector settings an admin may change ------------------------------------------------
// Each is an app setting of the same name (connector/settings.py), fed from the azd environment
// value of the same name through main.parameters.json: `azd env set NAME value`, then
// `azd provision`, and later provisions keep the value. Empty strings mean the connector's
// default.

@description('ENTRA_TENANT_ID: validate Entra-issued JWTs from this tenant instead of a shared Secret Token.')
param entraTenantId string = ''

@description('ENTRA_JWKS_URL: signing keys for Entra JWTs (default: the tenant\'s published keys).')
param entraJwksUrl string = ''

@description('OKTA_EXTERNAL_ID_ATTRIBUTE: Okta custom profile attribute that stores SCIM externalId.')
param oktaExternalIdAttribute string = 'scimExternalId'

@description('OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE: Okta custom group profile attribute that stores a group\'s SCIM externalId.')
param oktaGroupExternalIdAttribute string = 'scimExternalId'

@allowed([
  'true'
  'false'
])
@description('OKTA_ACTIVATE_ON_CREATE: create Okta users activated (true) or STAGED (false).')
param oktaActivateOnCreate string = 'true'

@allowed([
  'deactivate'
  'suspend'
])
@description('OKTA_DISABLE_MODE: what active=false does in Okta.')
param oktaDisableMode string = 'deactivate'

@minValue(1)
@maxValue(75)
@description('OKTA_MAX_CONCURRENCY: Okta requests one instance keeps in flight (see the scale limits above).')
param oktaMaxConcurrency int = 18

// The Functions platform ends an HTTP request after 230 s whatever the app does.
@minValue(1)
@maxValue(200)
@description('REQUEST_BUDGET_SECONDS: time one SCIM request may spend on Okta calls and retries.')
param requestBudgetSeconds int = 20

@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
  'CRITICAL'
])
@description('LOG_LEVEL: Python log level of the connector\'s own loggers.')
param logLevel string = 'INFO'

@minValue(0)
@description('SECRETS_CACHE_TTL_SECONDS: how long a secret read from the vault is reused.')
param secretsCacheTtlSeconds int = 300

@minValue(0)
@description('SECRETS_MAX_STALE_SECONDS: how long the last good secret serves while the vault is unreachable.')
param secretsMaxStaleSeconds int = 86400

@description('SCHEMA_XML_PATH: path of a replacement Schema.xml inside the deployed package (empty: the packaged one).')
param schemaXmlPath string = ''

@description('SCHEMA_MAPPING_PATH: path of a replacement SCIM-Okta mapping inside the deployed package (empty: the packaged one).')
param schemaMappingPath string = ''

@description('TARGET: okta (default), rest (the application TARGET_DESCRIPTION describes) or python:<module>:<factory>.')
param target string = 'okta'

@description('TARGET_DESCRIPTION: path of the REST application\'s description inside the deployed package (TARGET=rest).')
param targetDescription string = ''

@description('TARGET_BASE_URL: overrides the description\'s connection.baseUrl (empty: the description\'s).')
param targetBaseUrl string = ''

@description('SSL_CERT_FILE: CA bundle inside the deployed package, for a target signed by a private CA (empty: the system\'s). It replaces the system\'s list for every TLS connection: include the public roots.')
param sslCertFile string = ''

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
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
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
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
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
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
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
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    oktaOrgUrl: oktaOrgUrl
    oktaApiTokenSecretName: oktaApiTokenSecretName
    scimBearerSecretName: scimBearerSecretName
    scimBearerPreviousSecretName: scimBearerPreviousSecretName
    relayNamespaceHost: enableRelay ? relay.outputs.namespaceHost : ''
    relayHybridConnectionName: relayHybridConnectionName
    relaySendRuleName: relaySendRuleName
    relaySendKeySecretName: relaySendKeySecretName
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    entraTenantId: entraTenantId
    entraJwksUrl: entraJwksUrl
    oktaExternalIdAttribute: oktaExternalIdAttribute
    oktaGroupExternalIdAttribute: oktaGroupExternalIdAttribute
    oktaActivateOnCreate: oktaActivateOnCreate
    oktaDisableMode: oktaDisableMode
    oktaMaxConcurrency: oktaMaxConcurrency
    requestBudgetSeconds: requestBudgetSeconds
    logLevel: logLevel
    secretsCacheTtlSeconds: secretsCacheTtlSeconds
    secretsMaxStaleSeconds: secretsMaxStaleSeconds
    schemaXmlPath: schemaXmlPath
    schemaMappingPath: schemaMappingPath
    target: target
    targetDescription: targetDescription
    targetBaseUrl: targetBaseUrl
    sslCertFile: sslCertFile
  }
}

module workbook 'core/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    location: location
    tags: tags
    nameSeed: resourceToken
  }
}

module alerts 'core/alerts.bicep' = if (!empty(alertEmail)) {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: resourceToken
    location: location
    tags: tags
    alertEmail: alertEmail
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    relayNamespaceName: enableRelay ? relay.outputs.namespaceName : ''
    relayHybridConnectionName: enableRelay ? relay.outputs.hybridConnectionName : ''
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
// The full host name the on-premises agent connects to, as the namespace itself reports it, so
// that every cloud gets its own DNS suffix.
output AZURE_RELAY_NAMESPACE string = enableRelay ? relay.outputs.namespaceHost : ''
// The namespace's resource name, for `az relay ... --namespace-name`.
output AZURE_RELAY_NAMESPACE_NAME string = enableRelay ? relay.outputs.namespaceName : ''
output AZURE_RELAY_HYBRID_CONNECTION string = enableRelay ? relayHybridConnectionName : ''
output AZURE_RELAY_LISTEN_RULE_NAME string = enableRelay ? relayListenRuleName : ''
