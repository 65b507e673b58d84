#!/bin/sh
# azd postprovision hook (declared in azure.yaml): after `azd provision` / `azd up`, make sure the
# vault holds what the connector needs to answer Entra.
#
#   scim-bearer-token   created here, random, when it does not exist yet (Entra's Secret Token)
#   okta-api-token      cannot be made here: when missing, the exact command to set it is printed
#                       (TARGET=okta only; another target's secrets are named by its description)
#   relay-send-key      written by the templates themselves (only with ON_PREM_ENDPOINT)
#
# It never prints a secret (values go to az through stdin, never through argv or the terminal)
# and never overwrites one, so running it again changes nothing. A failure to reach the vault is
# a warning, not an error: `azd up` still deploys the code, and the steps are in
# docs/deploy-to-azure.md.
set -eu

vault="${AZURE_KEY_VAULT_NAME:-}"
if [ -z "$vault" ] && command -v azd >/dev/null 2>&1; then
  vault="$(azd env get-value AZURE_KEY_VAULT_NAME 2>/dev/null || true)"
fi
if [ -z "$vault" ]; then
  echo "postprovision: AZURE_KEY_VAULT_NAME is not set; provision infra/main.bicep first." >&2
  exit 1
fi

# Role assignments made by the deployment can take a few minutes to apply.
attempts="${SCIM_HOOK_ATTEMPTS:-18}"
pause="${SCIM_HOOK_RETRY_SECONDS:-10}"

warn() {
  echo "postprovision: $*" >&2
}

if ! command -v az >/dev/null 2>&1; then
  warn "the Azure CLI (az) is not installed; set the secrets by hand (docs/deploy-to-azure.md)."
  exit 0
fi

# Prints present, missing, forbidden or error for one secret (its metadata only, never its value).
secret_state() {
  tries=0
  while :; do
    tries=$((tries + 1))
    if details="$(az keyvault secret show --vault-name "$vault" --name "$1" --query id -o tsv 2>&1)"; then
      echo present
      return 0
    fi
    case "$details" in
      *SecretNotFound* | *"was not found"*)
        echo missing
        return 0
        ;;
      *Forbidden* | *"not authorized"* | *"does not have secrets get permission"*)
        if [ "$tries" -ge "$attempts" ]; then
          echo forbidden
          return 0
        fi
        sleep "$pause"
        ;;
      *)
        warn "az could not read $1 from $vault: $(printf '%s' "$details" | head -n 1)"
        echo error
        return 0
        ;;
    esac
  done
}

# 48 random bytes, base64: 64 characters, no newline.
random_token() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -base64 48 | tr -d '\n'
  else
    python3 -c 'import secrets, base64; print(base64.b64encode(secrets.token_bytes(48)).decode(), end="")'
  fi
}

# Stores stdin as the secret $1 (no argv, no echo).
store_secret() {
  az keyvault secret set --vault-name "$vault" --name "$1" --file /dev/stdin --encoding utf-8 -o none
}

echo "postprovision: checking the secrets in Key Vault $vault"
ready=true

case "$(secret_state scim-bearer-token)" in
  present)
    echo "  scim-bearer-token: already set (left as it is)"
    ;;
  missing)
    # Held in a shell variable and handed over by printf (a builtin): never in argv or output.
    token="$(random_token)"
    if [ "${#token}" -lt 64 ]; then
      warn "could not generate a random token (openssl or python3 needed)."
      exit 0
    fi
    if ! printf '%s' "$token" | store_secret scim-bearer-token; then
      unset token
      warn "could not create scim-bearer-token in $vault; see docs/deploy-to-azure.md."
      exit 0
    fi
    unset token
    echo "  scim-bearer-token: created (random, 64 characters)"
    ;;
  forbidden)
    warn "no access to $vault yet (the Key Vault Secrets Officer role may still be applying); run 'azd hooks run postprovision' in a few minutes."
    exit 0
    ;;
  *)
    exit 0
    ;;
esac

# Only the Okta target reads okta-api-token (TARGET is an azd environment value, okta by default).
target="$(printf '%s' "${TARGET:-okta}" | tr '[:upper:]' '[:lower:]')"
if [ "$target" != okta ]; then
  echo "  okta-api-token: not needed (TARGET=${TARGET}). Store the secrets your target reads"
  echo "      (a description names them) in $vault under those names (docs/targets.md)."
else
  case "$(secret_state okta-api-token)" in
    present)
      echo "  okta-api-token: set"
      ;;
    missing)
      ready=false
      echo "  okta-api-token: NOT SET. Create an API token in Okta (Security > API > Tokens), then:"
      echo "      read -rs OKTA_TOKEN    # paste the token, then Enter"
      echo "      az keyvault secret set --vault-name $vault --name okta-api-token --value \"\$OKTA_TOKEN\" -o none"
      echo "      unset OKTA_TOKEN"
      ;;
    *)
      ready=false
      ;;
  esac
fi

if [ -n "${AZURE_RELAY_NAMESPACE:-}" ]; then
  case "$(secret_state relay-send-key)" in
    present) echo "  relay-send-key: set by the deployment" ;;
    *)
      ready=false
      warn "relay-send-key is missing although a relay is deployed; run 'azd provision' again."
      ;;
  esac
fi

echo
echo "Entra ID provisioning > Admin Credentials:"
echo "  Tenant URL:   ${SCIM_TENANT_URL:-<the SCIM_TENANT_URL output: azd env get-value SCIM_TENANT_URL>}"
echo "  Secret Token: az keyvault secret show --vault-name $vault --name scim-bearer-token --query value -o tsv"
if [ "$ready" = true ] && [ "$target" != okta ]; then
  echo "Once the target's own secrets are in the vault, Test Connection in Entra should succeed."
elif [ "$ready" = true ]; then
  echo "The connector has its secrets; Test Connection in Entra should succeed."
else
  echo "Until then SCIM requests get 503 with Retry-After (a secret not configured yet)."
fi
