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

resource namespace 'Microsoft.Relay/namespaces@2021-11-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
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
output namespaceFqdn string = '${namespace.name}.servicebus.windows.net'
output hybridConnectionName string = hybridConnection.name
output sendRuleName string = sendRule.name
output listenRuleName string = listenRule.name
