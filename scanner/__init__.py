"""aks-netaudit: a read-only audit scanner for the networking of existing AKS clusters."""

__version__ = "0.1.0"
