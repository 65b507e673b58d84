// A ready-made view of the connector in Application Insights: requests by operation and status,
// p50/p95 duration, target calls and 429s, errors by reason over time. Its queries read the
// custom dimensions of the connector's one record per SCIM request (connector/http/
// request_record.py); workbook.json holds them, and docs/operations.md shows the same queries.
param applicationInsightsName string
param location string
param tags object = {}

@description('Seed of the workbook\'s name, which must be a GUID that stays the same across provisions.')
param nameSeed string

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, nameSeed, 'scim-connector-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'SCIM connector'
    category: 'workbook'
    serializedData: string(loadJsonContent('workbook.json'))
    sourceId: appInsights.id
    version: 'Notebook/1.0'
  }
}

output workbookId string = workbook.id
