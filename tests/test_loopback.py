"""The suite's guard: a test that tries to reach anything but loopback fails before a packet is sent."""

from __future__ import annotations

import socket

import pytest


def test_a_connection_beyond_loopback_is_refused_before_it_is_made():
    with pytest.raises(AssertionError, match="only loopback"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)


def test_a_name_lookup_is_refused():
    with pytest.raises(AssertionError, match="only loopback"):
        socket.getaddrinfo("management.azure.com", 443)
