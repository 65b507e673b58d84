// The SCIM connector: a Linux Python function app on the Flex Consumption plan (FC1).
param name string
param planName string
param location string

param tags object = {}

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity (AZURE_CLIENT_ID for azure-identity).')
param identityClientId string

param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsName string
param keyVaultUri string
param oktaOrgUrl string
param oktaApiTokenSecretName string
param scimBearerSecretName string
param scimBearerPreviousSecretName string

@description('Host name of the Relay namespace (as the namespace reports it), or empty when no relay is deployed.')
param relayNamespaceHost string = ''
param relayHybridConnectionName string = ''
param relaySendRuleName string = ''
param relaySendKeySecretName string = ''

@minValue(0)
param alwaysReadyInstanceCount int = 1
@minValue(1)
param maximumInstanceCount int = 3
param instanceMemoryMB int = 2048

// Connector settings an admin may change (main.bicep describes each).
param entraTenantId string = ''
param entraJwksUrl string = ''
param oktaExternalIdAttribute string = 'scimExternalId'
param oktaGroupExternalIdAttribute string = 'scimExternalId'
param oktaActivateOnCreate string = 'true'
param oktaDisableMode string = 'deactivate'
param oktaMaxConcurrency int = 18
param requestBudgetSeconds int = 20
param logLevel string = 'INFO'
param secretsCacheTtlSeconds int = 300
param secretsMaxStaleSeconds int = 86400
param schemaXmlPath string = ''
param schemaMappingPath string = ''
param target string = 'okta'
param targetDescription string = ''
param targetBaseUrl string = ''
param sslCertFile string = ''

@allowed([
  '3.11'
  '3.12'
])
param pythonVersion string = '3.11'

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Host storage through the managed identity (no connection string, no shared key). Blob only:
// the app has HTTP triggers alone, and the host needs queues and tables only for other triggers
// (Durable Functions, queue or blob-polling triggers), so it is given no queue or table service.
var platformSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Settings the connector reads (connector/settings.py). Secrets are never app settings: the
// connector reads them from the vault with the identity named by AZURE_CLIENT_ID.
var connectorSettings = {
  OKTA_ORG_URL: oktaOrgUrl
  KEY_VAULT_URL: keyVaultUri
  AZURE_CLIENT_ID: identityClientId
  OKTA_API_TOKEN_SECRET_NAME: oktaApiTokenSecretName
  SCIM_BEARER_TOKEN_SECRET_NAME: scimBearerSecretName
  SCIM_BEARER_TOKEN_PREVIOUS_SECRET_NAME: scimBearerPreviousSecretName
}

// Settings the admin sets with `azd env set` (see docs/deploy-to-azure.md). An empty value makes
// the connector use its default.
var adminSettings = {
  ENTRA_TENANT_ID: entraTenantId
  ENTRA_JWKS_URL: entraJwksUrl
  OKTA_EXTERNAL_ID_ATTRIBUTE: oktaExternalIdAttribute
  OKTA_GROUP_EXTERNAL_ID_ATTRIBUTE: oktaGroupExternalIdAttribute
  OKTA_ACTIVATE_ON_CREATE: oktaActivateOnCreate
  OKTA_DISABLE_MODE: oktaDisableMode
  OKTA_MAX_CONCURRENCY: string(oktaMaxConcurrency)
  REQUEST_BUDGET_SECONDS: string(requestBudgetSeconds)
  LOG_LEVEL: logLevel
  SECRETS_CACHE_TTL_SECONDS: string(secretsCacheTtlSeconds)
  SECRETS_MAX_STALE_SECONDS: string(secretsMaxStaleSeconds)
  SCHEMA_XML_PATH: schemaXmlPath
  SCHEMA_MAPPING_PATH: schemaMappingPath
  TARGET: target
  TARGET_DESCRIPTION: targetDescription
  TARGET_BASE_URL: targetBaseUrl
  SSL_CERT_FILE: sslCertFile
}

var relaySettings = empty(relayNamespaceHost) ? {} : {
  RELAY_NAMESPACE: relayNamespaceHost
  RELAY_HYBRID_CONNECTION: relayHybridConnectionName
  RELAY_SEND_RULE_NAME: relaySendRuleName
  RELAY_SEND_KEY_SECRET_NAME: relaySendKeySecretName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploy finds its target by this tag: exactly one resource may carry it (not the plan).
  tags: union(tags, {
    'azd-service-name': 'api'
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    // ftpsState is not set: ARM refuses it on Flex Consumption in some regions (error 51021). FTP and
    // basic-auth publishing are off through the basicPublishingCredentialsPolicies below.
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      runtime: {
        name: 'python'
        version: pythonVersion
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: (alwaysReadyInstanceCount > 0) ? [
          {
            name: 'http'
            instanceCount: alwaysReadyInstanceCount
          }
        ] : []
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(platformSettings, connectorSettings, adminSettings, relaySettings)
}

// No FTP and no basic-auth publishing: azd deploys with an Entra token.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
