"""The proxy never passes on the client's own X-Forwarded-For, and the API trusts only the proxy's address
(`nginx -t` of the same file is in tests/test_deploy.py)."""

from __future__ import annotations

from app.core.config import PROJECT_ROOT


def test_nginx_replaces_the_client_forwarded_for_and_compose_trusts_only_it():
    site = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    assert "X-Forwarded-For $remote_addr" in site and "proxy_add_x_forwarded_for" not in site
    assert "limit_req zone=filmtour_plan" in site
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert 'FORWARDED_ALLOW_IPS: "*"' not in compose
    assert 'FILMTOUR_TRUSTED_PROXIES: "172.28.0.10"' in compose and "ipv4_address: 172.28.0.10" in compose
