// Azure Relay Hybrid Connection (HTTP mode) to an on-premises REST application.
// The function app is the sender (Send-only rule, key kept in Key Vault); the on-premises
// listener agent uses the Listen-only rule, whose key is read out of band and never output.
param namespaceName string
param location string
param tags object = {}
param hybridConnectionName string

@minLength(1)
@description('host:port of the on-premises application, recorded in the hybrid connection metadata.')
param onPremEndpoint string

param sendRuleName string = 'defaultSender'
param listenRuleName string = 'defaultListener'

@description('Vault that receives the Send rule key.')
param keyVaultName string

param sendKeySecretName string = 'relay-send-key'

@description('Log Analytics workspace that receives the Hybrid Connection events.')
param logAnalyticsWorkspaceId string

resource namespace 'Microsoft.Relay/namespaces@2021-11-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
}

// Listener and sender connects, disconnects and errors land in Log Analytics.
resource namespaceDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: namespace
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'HybridConnectionsEvent'
        enabled: true
      }
    ]
  }
}

resource hybridConnection 'Microsoft.Relay/namespaces/hybridConnections@2021-11-01' = {
  parent: namespace
  name: hybridConnectionName
  properties: {
    requiresClientAuthorization: true
    userMetadata: string([
      {
        key: 'endpoint'
        value: onPremEndpoint
      }
    ])
  }
}

resource sendRule 'Microsoft.Relay/namespaces/hybridConnections/authorizationRules@2021-11-01' = {
  parent: hybridConnection
  name: sendRuleName
  properties: {
    rights: [
      'Send'
    ]
  }
}

resource listenRule 'Microsoft.Relay/namespaces/hybridConnections/authorizationRules@2021-11-01' = {
  parent: hybridConnection
  name: listenRuleName
  properties: {
    rights: [
      'Listen'
    ]
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The Send key goes straight from the rule into the vault; it never appears in an output.
resource sendKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: sendKeySecretName
  properties: {
    value: sendRule.listKeys().primaryKey
    contentType: 'Azure Relay SAS key (${sendRuleName} on ${hybridConnectionName})'
  }
}

output namespaceName string = namespace.name
// The namespace reports its endpoint as https://<host>:443/; the agent and the connector need the
// host alone. Taken from the resource, not built from a suffix, so that any cloud works.
output namespaceHost string = split(split(namespace.properties.serviceBusEndpoint, '/')[2], ':')[0]
output hybridConnectionName string = hybridConnection.name
output sendRuleName string = sendRule.name
output listenRuleName string = listenRule.name
