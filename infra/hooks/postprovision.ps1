# azd postprovision hook for Windows (declared in azure.yaml); the twin of postprovision.sh.
# After `azd provision` / `azd up`, make sure the vault holds what the connector needs:
#
#   scim-bearer-token   created here, random, when it does not exist yet (Entra's Secret Token)
#   okta-api-token      cannot be made here: when missing, the exact command to set it is printed
#                       (TARGET=okta only; another target's secrets are named by its description)
#   relay-send-key      written by the templates themselves (only with ON_PREM_ENDPOINT)
#
# It never prints a secret (the value reaches az through a file in the user's own temp folder,
# removed at once) and never overwrites one, so running it again changes nothing. A failure
# to reach the vault is a warning: `azd up` still deploys the code.
$ErrorActionPreference = 'Stop'

$vault = $env:AZURE_KEY_VAULT_NAME
if (-not $vault -and (Get-Command azd -ErrorAction SilentlyContinue)) {
    $vault = (azd env get-value AZURE_KEY_VAULT_NAME 2>$null)
}
if (-not $vault) {
    Write-Error 'postprovision: AZURE_KEY_VAULT_NAME is not set; provision infra/main.bicep first.'
    exit 1
}

# Role assignments made by the deployment can take a few minutes to apply.
$attempts = if ($env:SCIM_HOOK_ATTEMPTS) { [int]$env:SCIM_HOOK_ATTEMPTS } else { 18 }
$pause = if ($env:SCIM_HOOK_RETRY_SECONDS) { [int]$env:SCIM_HOOK_RETRY_SECONDS } else { 10 }

function Write-Warn([string]$Message) {
    [Console]::Error.WriteLine("postprovision: $Message")
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Warn 'the Azure CLI (az) is not installed; set the secrets by hand (docs/deploy-to-azure.md).'
    exit 0
}

# present, missing, forbidden or error for one secret (its metadata only, never its value).
function Get-SecretState([string]$Name) {
    for ($try = 1; ; $try++) {
        $details = (az keyvault secret show --vault-name $vault --name $Name --query id -o tsv 2>&1 | Out-String)
        if ($LASTEXITCODE -eq 0) { return 'present' }
        if ($details -match 'SecretNotFound|was not found') { return 'missing' }
        if ($details -match 'Forbidden|not authorized|does not have secrets get permission') {
            if ($try -ge $attempts) { return 'forbidden' }
            Start-Sleep -Seconds $pause
            continue
        }
        Write-Warn "az could not read $Name from ${vault}: $(($details -split "`n")[0])"
        return 'error'
    }
}

# 48 random bytes, base64: 64 characters.
function New-RandomToken {
    $bytes = New-Object byte[] 48
    $generator = [System.Security.Cryptography.RandomNumberGenerator]::Create()
    try { $generator.GetBytes($bytes) } finally { $generator.Dispose() }
    return [Convert]::ToBase64String($bytes)
}

Write-Output "postprovision: checking the secrets in Key Vault $vault"
$ready = $true

switch (Get-SecretState 'scim-bearer-token') {
    'present' { Write-Output '  scim-bearer-token: already set (left as it is)' }
    'missing' {
        $file = New-TemporaryFile
        try {
            Set-Content -LiteralPath $file -Value (New-RandomToken) -NoNewline -Encoding ascii
            az keyvault secret set --vault-name $vault --name scim-bearer-token --file $file --encoding utf-8 -o none
            if ($LASTEXITCODE -ne 0) {
                Write-Warn "could not create scim-bearer-token in $vault; see docs/deploy-to-azure.md."
                exit 0
            }
        } finally {
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
        }
        Write-Output '  scim-bearer-token: created (random, 64 characters)'
    }
    'forbidden' {
        Write-Warn "no access to $vault yet (the Key Vault Secrets Officer role may still be applying); run 'azd hooks run postprovision' in a few minutes."
        exit 0
    }
    default { exit 0 }
}

# Only the Okta target reads okta-api-token (TARGET is an azd environment value, okta by default).
$target = if ($env:TARGET) { $env:TARGET.ToLowerInvariant() } else { 'okta' }
if ($target -ne 'okta') {
    Write-Output "  okta-api-token: not needed (TARGET=$($env:TARGET)). Store the secrets your target reads"
    Write-Output "      (a description names them) in $vault under those names (docs/targets.md)."
} else {
    switch (Get-SecretState 'okta-api-token') {
        'present' { Write-Output '  okta-api-token: set' }
        'missing' {
            $ready = $false
            Write-Output '  okta-api-token: NOT SET. Create an API token in Okta (Security > API > Tokens), then:'
            Write-Output '      $token = Read-Host -AsSecureString "Okta API token"'
            Write-Output "      az keyvault secret set --vault-name $vault --name okta-api-token --value (ConvertFrom-SecureString `$token -AsPlainText) -o none"
            Write-Output '      Remove-Variable token'
        }
        default { $ready = $false }
    }
}

if ($env:AZURE_RELAY_NAMESPACE) {
    if ((Get-SecretState 'relay-send-key') -eq 'present') {
        Write-Output '  relay-send-key: set by the deployment'
    } else {
        $ready = $false
        Write-Warn "relay-send-key is missing although a relay is deployed; run 'azd provision' again."
    }
}

$tenantUrl = if ($env:SCIM_TENANT_URL) { $env:SCIM_TENANT_URL } else { '<the SCIM_TENANT_URL output: azd env get-value SCIM_TENANT_URL>' }
Write-Output ''
Write-Output 'Entra ID provisioning > Admin Credentials:'
Write-Output "  Tenant URL:   $tenantUrl"
Write-Output "  Secret Token: az keyvault secret show --vault-name $vault --name scim-bearer-token --query value -o tsv"
if ($ready -and $target -ne 'okta') {
    Write-Output "Once the target's own secrets are in the vault, Test Connection in Entra should succeed."
} elseif ($ready) {
    Write-Output 'The connector has its secrets; Test Connection in Entra should succeed.'
} else {
    Write-Output 'Until then SCIM requests get 503 with Retry-After (a secret not configured yet).'
}
