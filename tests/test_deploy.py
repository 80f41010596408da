"""The deployment files are checked by the tools that read them: the compose file by `docker-compose config`
(it validates against the Compose schema and needs no Docker engine) and the proxy configuration by `nginx -t`
(Debian's nginx, as the compose file's nginx image includes it into its http block)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from app.core.config import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx.conf"


def tool(name: str, package: str) -> str:
    exe = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if exe is None:
        pytest.fail(f"{name} is not installed (Debian package {package}; .ci/run installs it)")
    return exe


def compose_config(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("docker-compose", "docker-compose"), "-f", str(path), "config"],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def nginx_test(site: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    # As in the nginx image: the site file is included inside the http block of the main configuration.
    main = tmp_path / "nginx.conf"
    main.write_text(f"events {{}}\nhttp {{\n    include {site};\n}}\n")
    return subprocess.run(
        [
            tool("nginx", "nginx"),
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(main),
            "-g",
            "pid nginx.pid; error_log stderr;",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_is_valid_and_describes_the_scale_out(tmp_path):
    out = compose_config(COMPOSE)
    assert out.returncode == 0, out.stderr
    services = yaml.safe_load(out.stdout)["services"]  # the file as Compose resolves it
    assert {"db", "tiles", "valhalla", "api", "proxy"} <= services.keys()
    api = services["api"]
    assert api["environment"]["FILMTOUR_VALHALLA_URL"] == "http://valhalla:8002"
    assert api["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["valhalla"]["depends_on"]["tiles"]["condition"] == "service_completed_successfully"
    source, target, mode = services["proxy"]["volumes"][0].split(":")
    assert (Path(source), target, mode) == (NGINX_SITE, "/etc/nginx/conf.d/default.conf", "ro")
    assert services["proxy"]["ports"][0] == {"published": 8000, "target": 80}


def test_a_broken_compose_file_is_refused(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        COMPOSE.read_text().replace('    expose: ["8000"]', "    expose: 8000\n    restrt: always")
    )
    out = compose_config(broken)
    assert out.returncode != 0 and "restrt" in out.stderr


def test_nginx_accepts_the_proxy_configuration(tmp_path):
    out = nginx_test(NGINX_SITE, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "test is successful" in out.stderr


def test_nginx_refuses_a_broken_configuration(tmp_path):
    broken = tmp_path / "site.conf"
    broken.write_text(NGINX_SITE.read_text().replace("client_max_body_size 64k;", "client_max_body_size 64k"))
    out = nginx_test(broken, tmp_path)
    assert out.returncode != 0 and "test failed" in out.stderr


def test_nginx_keeps_metrics_and_readyz_inside_and_passes_the_rest(tmp_path):
    """The shipped site, run by a real nginx in front of a stand-in API: /metrics and /readyz (which writes
    to the database) are not reachable through the proxy; other paths are proxied."""
    import httpx

    from tests.support.http_stub import Reply, http_stub
    from tests.support.live import free_port

    port = free_port()
    with http_stub(lambda seen: Reply(body=b'{"ok": true}')) as api:
        site = tmp_path / "site.conf"
        text = NGINX_SITE.read_text()
        text = text.replace("resolver 127.0.0.11 valid=10s ipv6=off;", "")
        text = text.replace("set $filmtour_api http://api:8000;", f"set $filmtour_api {api.url};")
        site.write_text(text.replace("listen 80;", f"listen 127.0.0.1:{port};"))
        (tmp_path / "logs").mkdir()
        main = tmp_path / "nginx.conf"
        main.write_text(f"events {{}}\nhttp {{\n    include {site};\n}}\n")
        cmd = [tool("nginx", "nginx"), "-p", str(tmp_path), "-c", str(main)]
        proc = subprocess.Popen(
            [*cmd, "-g", "daemon off; pid nginx.pid; error_log stderr;"],
            stderr=subprocess.PIPE,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    import time

                    time.sleep(0.05)
            assert httpx.get(f"{url}/metrics").status_code == 404
            assert httpx.get(f"{url}/readyz").status_code == 404
            assert httpx.get(f"{url}/healthz").status_code == 200
            assert httpx.get(f"{url}/api/v1/tours/rocky-1976-montage").status_code == 200
            assert [s.path for s in api.requests] == [
                "/healthz",
                "/healthz",
                "/api/v1/tours/rocky-1976-montage",
            ][-len(api.requests) :]
            assert not any(s.path in ("/metrics", "/readyz") for s in api.requests)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
