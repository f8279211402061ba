"""Which Azure cloud a scan talks to: Resource Manager endpoint, token audience, authority host.

The three named clouds take their endpoint and audience from azure-mgmt-core's cloud settings
(the US Government audience is not its endpoint), and their authority host from azure-identity,
which does not follow the cloud by itself. `--arm-endpoint` serves any other endpoint, such as a
local test double; the authority still follows `--cloud`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from azure.core import AzureClouds
from azure.identity import AzureAuthorityHosts
from azure.mgmt.core.tools import get_arm_endpoints

from scanner.errors import InputError

CLOUDS = {
    "AzureCloud": (AzureClouds.AZURE_PUBLIC_CLOUD, AzureAuthorityHosts.AZURE_PUBLIC_CLOUD),
    "AzureChinaCloud": (AzureClouds.AZURE_CHINA_CLOUD, AzureAuthorityHosts.AZURE_CHINA),
    "AzureUSGovernment": (AzureClouds.AZURE_US_GOVERNMENT, AzureAuthorityHosts.AZURE_GOVERNMENT),
}


@dataclass(frozen=True)
class ArmSettings:
    cloud: str  # a name of CLOUDS, or "custom" for --arm-endpoint
    endpoint: str  # Resource Manager base URL, with a trailing slash
    scopes: tuple[str, ...]  # the token audience as a scope
    authority: str  # AAD authority host of the named cloud
    azure_cloud: AzureClouds  # what the SDK clients take as cloud_setting

    @property
    def arm_endpoint(self) -> str | None:
        return self.endpoint if self.cloud == "custom" else None


def arm_settings(
    cloud: str = "AzureCloud", arm_endpoint: str | None = None, arm_audience: str | None = None
) -> ArmSettings:
    if cloud not in CLOUDS:
        raise InputError(f"--cloud {cloud}: unknown cloud (choose from {', '.join(CLOUDS)})")
    azure_cloud, authority = CLOUDS[cloud]
    if arm_audience and not arm_endpoint:
        raise InputError("--arm-audience: goes with --arm-endpoint")
    if arm_endpoint is None:
        endpoints = get_arm_endpoints(azure_cloud)
        return ArmSettings(cloud, endpoints["resource_manager"], tuple(endpoints["credential_scopes"]), authority,
                           azure_cloud)
    parts = urlsplit(arm_endpoint)
    if parts.scheme != "https" or not parts.netloc:
        raise InputError(f"--arm-endpoint {arm_endpoint}: must be an https:// URL (tokens never travel over HTTP)")
    endpoint = arm_endpoint.rstrip("/") + "/"
    audience = (arm_audience or arm_endpoint).rstrip("/")
    return ArmSettings("custom", endpoint, (f"{audience}/.default",), authority, azure_cloud)
