"""`--credential`: one azure-identity credential class per value, so a CI job never waits on a chain.

`default` is DefaultAzureCredential; every other value picks exactly one class. The authority host
of the chosen cloud is passed to every credential that takes one. A missing environment variable
or no usable login is one line with the fix (exit 2), before anything is collected.
"""

from __future__ import annotations

import os

from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    AzureCliCredential,
    AzurePipelinesCredential,
    CredentialUnavailableError,
    DefaultAzureCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from scanner.collect.clouds import ArmSettings
from scanner.errors import InputError

KINDS = ("default", "cli", "environment", "managed-identity", "workload-identity", "azure-pipelines")

# The AzureCLI@2 task's workload identity service connection exposes these (with addSpnToEnvironment);
# SYSTEM_ACCESSTOKEN must be mapped from $(System.AccessToken) in the step's env.
PIPELINES_VARIABLES = {
    "tenant_id": "AZURESUBSCRIPTION_TENANT_ID",
    "client_id": "AZURESUBSCRIPTION_CLIENT_ID",
    "service_connection_id": "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    "system_access_token": "SYSTEM_ACCESSTOKEN",
}
ENVIRONMENT_HINT = "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)"
WORKLOAD_VARIABLES = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE")


def _require(names: tuple[str, ...] | list[str], kind: str) -> None:
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        raise InputError(f"--credential {kind}: environment variable {missing[0]} is not set")


def make_credential(kind: str, settings: ArmSettings) -> TokenCredential:
    authority = settings.authority
    if kind == "default":
        return DefaultAzureCredential(authority=authority)
    if kind == "cli":
        return AzureCliCredential()
    if kind == "environment":
        if not os.environ.get("AZURE_CLIENT_ID"):
            raise InputError(f"--credential environment: set {ENVIRONMENT_HINT}")
        return EnvironmentCredential(authority=authority)
    if kind == "managed-identity":
        return ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID") or None)
    if kind == "workload-identity":
        _require(WORKLOAD_VARIABLES, kind)
        return WorkloadIdentityCredential(authority=authority)
    if kind == "azure-pipelines":
        _require(list(PIPELINES_VARIABLES.values()), kind)
        values = {arg: os.environ[name] for arg, name in PIPELINES_VARIABLES.items()}
        return AzurePipelinesCredential(authority=authority, **values)
    raise InputError(f"--credential {kind}: unknown credential (choose from {', '.join(KINDS)})")


LOGIN_FIXES = {
    "default": "run az login, or set AZURE_CLIENT_ID with a secret, certificate or federated token, or run on a "
               "managed identity",
    "cli": "run az login (and az account set, if the tenant has several)",
    "environment": f"check {ENVIRONMENT_HINT}",
    "managed-identity": "run on an Azure resource with a managed identity (AZURE_CLIENT_ID for a user-assigned one)",
    "workload-identity": "check the federated token file and the app's federated credential",
    "azure-pipelines": "check the service connection (workload identity federation) and map SYSTEM_ACCESSTOKEN",
}


def check_login(credential: TokenCredential, kind: str, settings: ArmSettings) -> None:
    """Ask for a token once, so a missing login is one line with the fix instead of a failed query per batch."""
    try:
        credential.get_token(*settings.scopes)
    except (CredentialUnavailableError, ClientAuthenticationError) as exc:
        first = " ".join(str(exc).split())[:300]
        raise InputError(f"--credential {kind}: no usable login ({first}); {LOGIN_FIXES[kind]}") from exc
