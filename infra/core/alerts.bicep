// Alerts that tell the admin, by email, when provisioning from Entra is going wrong. Deployed only
// when main.bicep's alertEmail is set. The SCIM alerts count the connector's own request records
// (table traces, customDimensions.event == "scim.request", written by connector/http/request_record.py),
// not the requests table: with host.json's telemetryMode OpenTelemetry the host's request rows come
// from its ASP.NET Core span, named after the HTTP method and route rather than the scim_* function,
// and in the classic mode "Host.Results": "Error" would keep only failed executions (a 401 or 503 the
// function answered is a success). function-errors reads the exceptions table.
param namePrefix string
param location string
param tags object = {}

@minLength(3)
@description('Address that receives the alerts.')
param alertEmail string

param applicationInsightsName string

@description('Relay namespace to watch for a missing listener; empty when no relay is deployed.')
param relayNamespaceName string = ''
param relayHybridConnectionName string = ''

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'scim-alerts'
    enabled: true
    emailReceivers: [
      {
        name: 'admin'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// One log alert per symptom. Each query returns rows only when the symptom is present, and the
// rule fires when it returns more than `threshold` rows in the 15-minute window.
var logAlerts = [
  {
    name: 'scim-5xx-rate'
    severity: 1
    description: 'More than 5% of SCIM requests (at least 20 in 15 minutes) answered 5xx: the connector or its target is failing.'
    query: 'traces | where customDimensions.event == "scim.request" | summarize total = count(), failed = countif(toint(customDimensions.scim_status) >= 500) | where total >= 20 and failed * 100.0 / total > 5'
    threshold: 0
  }
  {
    name: 'scim-401-spike'
    severity: 2
    description: 'More than 10 SCIM requests answered 401 in 15 minutes: Entra\'s Secret Token no longer matches the vault (for example after a rotation).'
    query: 'traces | where customDimensions.event == "scim.request" and toint(customDimensions.scim_status) == 401'
    threshold: 10
  }
  {
    name: 'scim-target-throttling'
    severity: 2
    description: 'More than 10 SCIM requests answered 429 or 503 in 15 minutes: Okta (or the on-premises target) is throttling or unavailable, and Entra is told to retry.'
    query: 'traces | where customDimensions.event == "scim.request" and toint(customDimensions.scim_status) in (429, 503)'
    threshold: 10
  }
  {
    name: 'function-errors'
    severity: 2
    description: 'More than 5 unhandled exceptions in 15 minutes in the function app.'
    query: 'exceptions'
    threshold: 5
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in logAlerts: {
    name: '${alert.name}-${namePrefix}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: alert.name
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        appInsights.id
      ]
      evaluationFrequency: 'PT5M'
      windowSize: 'PT15M'
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

// No on-premises listener connected to the Hybrid Connection for 5 minutes: every request to the
// on-premises target fails until an agent reconnects. ActiveListeners counts the listeners
// connected each minute (summed over the window, 0 means none at any minute); the
// ListenerConnections-* metrics count connection attempts, which a stopped agent no longer makes.
resource relayListenerGone 'Microsoft.Insights/metricAlerts@2018-03-01' = if (!empty(relayNamespaceName)) {
  name: 'relay-listener-gone-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    description: 'No listener agent is connected to the Hybrid Connection: requests to the on-premises application fail.'
    severity: 1
    enabled: true
    scopes: [
      resourceId('Microsoft.Relay/namespaces', relayNamespaceName)
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'no-active-listener'
          metricNamespace: 'Microsoft.Relay/namespaces'
          metricName: 'ActiveListeners'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                relayHybridConnectionName
              ]
            }
          ]
          operator: 'LessThan'
          threshold: 1
          timeAggregation: 'Total'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = actionGroup.id
