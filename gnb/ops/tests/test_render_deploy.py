"""`manage.py render_deploy` against a local server that speaks the Render API endpoints the deploy uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from gnb.ops import render_deploy
from gnb.ops.render_deploy import Deployer, RenderClient, RenderError, VerifyResult, verify_with_command

BASE_DIR = Path(__file__).resolve().parents[3]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorization: str | None


@dataclass
class FakeRender:
    """Each service has its deploys (newest first); each new deploy walks through a scripted list of statuses."""

    deploys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # per service, the status sequences handed to the next deploys it starts (one list per deploy)
    scripts: dict[str, list[list[str]]] = field(default_factory=dict)
    rollback_script: list[str] = field(default_factory=lambda: ["update_in_progress", "live"])
    hook_answers_id: bool = True
    fail_next: list[int] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)
    _sequences: dict[str, list[str]] = field(default_factory=dict)
    _counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, method: str, suffix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    def _new_deploy(self, service: str, script: list[str], trigger: str) -> dict[str, Any]:
        self._counter += 1
        deploy = {"id": f"dep-{trigger}-{self._counter}", "status": script[0], "trigger": trigger}
        self._sequences[deploy["id"]] = list(script)
        self.deploys.setdefault(service, []).insert(0, deploy)
        return deploy

    def _status(self, deploy_id: str) -> str:
        sequence = self._sequences.get(deploy_id)
        if sequence is None:
            return next(d["status"] for ds in self.deploys.values() for d in ds if d["id"] == deploy_id)
        status = sequence.pop(0) if len(sequence) > 1 else sequence[0]
        for deploys in self.deploys.values():
            for deploy in deploys:
                if deploy["id"] == deploy_id:
                    deploy["status"] = status
                    if status == "live":
                        for other in deploys:
                            if other is not deploy and other["status"] == "live":
                                other["status"] = "deactivated"
        return status

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if self.fail_next:
            return self.fail_next.pop(0), {"message": "try again"}
        parts = path.strip("/").split("/")
        if parts[:1] == ["deploy"] and method in {"GET", "POST"}:  # /deploy/srv-…?key=… (deploy hook)
            service = parts[1]
            deploy = self._new_deploy(service, self.scripts[service].pop(0), "hook")
            return 200, ({"deploy": {"id": deploy["id"]}} if self.hook_answers_id else None)
        if parts[:2] != ["v1", "services"]:
            return 404, {"message": "not found"}
        service, rest = parts[2], parts[3:]
        if rest == ["deploys"] and method == "GET":
            limit = int(query.get("limit", ["20"])[0])
            items = self.deploys.get(service, [])[:limit]
            return 200, [{"deploy": _public(d), "cursor": d["id"]} for d in items]
        if rest == ["deploys"] and method == "POST":
            return 201, _public(self._new_deploy(service, self.scripts[service].pop(0), "api"))
        if len(rest) == 2 and rest[0] == "deploys" and method == "GET":
            deploy = next((d for d in self.deploys.get(service, []) if d["id"] == rest[1]), None)
            if deploy is None:
                return 404, {"message": "deploy not found"}
            self._status(rest[1])
            return 200, _public(deploy)
        if len(rest) == 3 and rest[2] == "cancel" and method == "POST":
            deploy = next(d for d in self.deploys[service] if d["id"] == rest[1])
            deploy["status"] = "canceled"
            self._sequences[deploy["id"]] = ["canceled"]
            return 200, _public(deploy)
        if rest == ["rollback"] and method == "POST":
            if not any(d["id"] == body.get("deployId") for d in self.deploys[service]):
                return 404, {"message": "deploy not found"}
            return 201, _public(self._new_deploy(service, list(self.rollback_script), "rollback"))
        return 404, {"message": "not found"}


def _public(deploy: dict[str, Any]) -> dict[str, Any]:
    return dict(deploy)


@pytest.fixture
def render() -> Iterator[tuple[FakeRender, str]]:
    fake = FakeRender()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = parse_qs(split.query)
            with fake.lock:
                fake.requests.append(Recorded(self.command, split.path, query, body, self.headers.get("Authorization")))
                status, answer = fake.handle(self.command, split.path, query, body)
            payload = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def verifications(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """Replace verify_deployment: record the call; a URL containing "broken" fails like the real command does."""
    calls: list[tuple[str, tuple[str, ...]]] = []
    real_call_command = call_command

    def fake_call_command(name: str, *args: str, **options: Any) -> None:
        if name != "verify_deployment":
            return real_call_command(name, *args, **options)
        calls.append((args[0], args[1:]))
        options["stdout"].write(f"checked {args[0]}\n")
        if "broken" in args[0]:
            raise CommandError("/health/ready answered 503")
        return None

    monkeypatch.setattr("django.core.management.call_command", fake_call_command)
    return calls


def configured(base_url: str, **extra: Any) -> override_settings:
    values = {
        "RENDER_API_URL": f"{base_url}/v1",
        "RENDER_API_KEY": "rnd_test_key",
        "RENDER_SERVICE_ID": "srv-web",
        "RENDER_DEPLOY_HOOK_URL": "",
        "RENDER_DEPLOY_TIMEOUT": 5,
        "RENDER_WORKER_SERVICE_IDS": ["srv-worker", "srv-scheduler"],
        "SITE_URL": "https://gnbtransfer.example",
    }
    values.update(extra)
    return override_settings(**values)


def run_command(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("render_deploy", "--interval", "0.01", *args, stdout=out)
    return out.getvalue()


def with_live_deploys(fake: FakeRender) -> None:
    fake.deploys = {
        "srv-web": [{"id": "dep-prev", "status": "live"}, {"id": "dep-older", "status": "deactivated"}],
        "srv-worker": [{"id": "dep-worker-prev", "status": "live"}],
        "srv-scheduler": [{"id": "dep-sched-prev", "status": "live"}],
    }


def test_happy_path_deploys_waits_verifies_then_deploys_worker_and_scheduler(render, verifications, tmp_path):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {
        "srv-web": [["created", "build_in_progress", "pre_deploy_in_progress", "update_in_progress", "live"]],
        "srv-worker": [["build_in_progress", "live"]],
        "srv-scheduler": [["build_in_progress", "live"]],
    }
    summary, report_file = tmp_path / "summary.md", tmp_path / "report.json"
    with configured(base_url):
        output = run_command("--commit", "abc123", "--summary-file", str(summary), "--json-file", str(report_file))

    assert verifications == [("https://gnbtransfer.example", ())]
    started = fake.calls("POST", "/deploys")
    assert [r.path for r in started] == [
        "/v1/services/srv-web/deploys",
        "/v1/services/srv-worker/deploys",
        "/v1/services/srv-scheduler/deploys",
    ]
    assert [r.body for r in started] == [{"clearCache": "do_not_clear", "commitId": "abc123"}] * 3
    assert {r.authorization for r in fake.requests} == {"Bearer rnd_test_key"}
    assert fake.requests[0].path == "/v1/services/srv-web/deploys" and fake.requests[0].method == "GET"
    assert fake.calls("POST", "/rollback") == []
    polls = [r.path for r in fake.calls("GET") if r.path.startswith("/v1/services/srv-web/deploys/")]
    assert len(polls) == 5
    assert "Deploy dep-api-1 of srv-web is live and verified." in output
    report = json.loads(report_file.read_text())
    assert report["ok"] is True
    assert report["previous_deploy_id"] == "dep-prev"
    assert report["followers"] == [
        {"service_id": "srv-worker", "deploy_id": "dep-api-2", "status": "live"},
        {"service_id": "srv-scheduler", "deploy_id": "dep-api-3", "status": "live"},
    ]
    assert summary.read_text().startswith("## ✅ Deploy dep-api-1 of srv-web is live and verified.")


def test_failed_build_is_not_verified_nor_rolled_back_and_fails_the_command(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress", "build_failed"]]}
    with configured(base_url), pytest.raises(CommandError) as failure:
        run_command()

    assert str(failure.value) == "Deploy dep-api-1 of srv-web ended build_failed; the previous version keeps serving."
    assert verifications == []
    assert fake.calls("POST", "/rollback") == []
    assert [r.path for r in fake.calls("POST")] == ["/v1/services/srv-web/deploys"]
    assert fake.calls("POST")[0].body == {"clearCache": "do_not_clear"}


@pytest.mark.parametrize("status", ["update_failed", "pre_deploy_failed", "canceled", "deactivated"])
def test_every_failure_status_ends_the_wait(render, verifications, status):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress", status]]}
    with configured(base_url), pytest.raises(CommandError, match=f"ended {status}"):
        run_command()
    assert verifications == []


def test_failed_verification_rolls_back_to_the_previous_live_deploy(render, verifications, tmp_path):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress", "live"]]}
    report_file = tmp_path / "report.json"
    with configured(base_url, SITE_URL="https://broken.example"), pytest.raises(CommandError) as failure:
        run_command("--json-file", str(report_file))

    assert str(failure.value) == "Deploy dep-api-1 failed verification; rolled back to dep-prev (live again)."
    rollbacks = fake.calls("POST", "/rollback")
    assert [(r.path, r.body) for r in rollbacks] == [("/v1/services/srv-web/rollback", {"deployId": "dep-prev"})]
    # the rollback deploy is watched until it is live
    assert fake.calls("GET", "/v1/services/srv-web/deploys/dep-rollback-2")
    # the worker and the scheduler never get the refused version
    assert [r.path for r in fake.calls("POST", "/deploys")] == ["/v1/services/srv-web/deploys"]
    report = json.loads(report_file.read_text())
    assert (report["verified"], report["rolled_back_to"], report["rollback_status"]) == (False, "dep-prev", "live")


def test_the_real_verify_deployment_failing_against_a_broken_site_leads_to_a_rollback(render, tmp_path):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["live"]]}
    report_file = tmp_path / "report.json"
    # The fake answers 404 to every page of the "site", as a deploy that lost its routes would.
    with configured(base_url, SITE_URL=f"{base_url}/site"), pytest.raises(CommandError) as failure:
        run_command("--verify-arg=--timeout", "--verify-arg=2", "--json-file", str(report_file))
    assert str(failure.value) == "Deploy dep-api-1 failed verification; rolled back to dep-prev (live again)."
    assert [r.body for r in fake.calls("POST", "/rollback")] == [{"deployId": "dep-prev"}]
    assert any(r.path.startswith("/site/health/") for r in fake.requests)


def test_failed_verification_without_an_earlier_deploy_says_so(render, verifications):
    fake, base_url = render
    fake.deploys = {"srv-web": []}
    fake.scripts = {"srv-web": [["live"]]}
    with configured(base_url, SITE_URL="https://broken.example"), pytest.raises(CommandError) as failure:
        run_command()
    assert fake.calls("POST", "/rollback") == []
    assert str(failure.value) == "Deploy dep-api-1 failed verification and there is no earlier deploy to roll back to."


def test_a_deploy_that_never_finishes_is_cancelled(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress"]]}
    with configured(base_url), pytest.raises(CommandError, match="ended timed_out"):
        run_command("--timeout", "0.2")
    assert [r.path for r in fake.calls("POST", "/cancel")] == ["/v1/services/srv-web/deploys/dep-api-1/cancel"]
    assert verifications == []


def test_deploy_hook_triggers_without_the_api_key_and_its_secret_is_never_printed(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress", "live"]]}
    hook = f"{base_url}/deploy/srv-web?key=hook-secret-value"
    with configured(base_url, RENDER_DEPLOY_HOOK_URL=hook, RENDER_WORKER_SERVICE_IDS=[]):
        output = run_command()
    hook_calls = [r for r in fake.requests if r.path == "/deploy/srv-web"]
    assert len(hook_calls) == 1
    assert hook_calls[0].authorization is None
    assert hook_calls[0].query == {"key": ["hook-secret-value"]}
    assert "Deploy dep-hook-1 of srv-web is live and verified." in output
    assert "hook-secret-value" not in output


def test_deploy_hook_without_an_id_finds_the_new_deploy_in_the_list(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.hook_answers_id = False
    fake.scripts = {"srv-web": [["build_in_progress", "live"]]}
    with configured(base_url, RENDER_DEPLOY_HOOK_URL=f"{base_url}/deploy/srv-web?key=k", RENDER_WORKER_SERVICE_IDS=[]):
        output = run_command()
    assert "started deploy dep-hook-1 through the deploy hook" in output


def test_a_commit_is_deployed_through_the_api_even_when_a_hook_is_set(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["live"]]}
    with configured(base_url, RENDER_DEPLOY_HOOK_URL=f"{base_url}/deploy/srv-web?key=k", RENDER_WORKER_SERVICE_IDS=[]):
        run_command("--commit", "f00d")
    assert [r for r in fake.requests if r.path.startswith("/deploy/")] == []
    assert fake.calls("POST", "/deploys")[0].body["commitId"] == "f00d"


def test_a_failed_follower_fails_the_command_without_rolling_back_the_verified_web(render, verifications):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["live"]], "srv-worker": [["build_failed"]], "srv-scheduler": [["live"]]}
    with configured(base_url), pytest.raises(CommandError) as failure:
        run_command()
    assert str(failure.value) == (
        "Web deploy dep-api-1 is live and verified, but these services did not deploy: srv-worker (build_failed)."
    )
    assert fake.calls("POST", "/rollback") == []


def test_the_api_key_and_service_are_required(render):
    _fake, base_url = render
    with configured(base_url, RENDER_API_KEY=""), pytest.raises(CommandError, match="RENDER_API_KEY is not set"):
        run_command()
    with configured(base_url, RENDER_SERVICE_ID=""), pytest.raises(CommandError, match="RENDER_SERVICE_ID is not set"):
        run_command()


def test_client_retries_busy_answers_then_reports_a_readable_error(render):
    fake, base_url = render
    with_live_deploys(fake)
    waits: list[float] = []
    client = RenderClient(api_url=f"{base_url}/v1", api_key="k", retries=2, sleep=waits.append)
    fake.fail_next = [503, 429]
    assert client.live_deploy_id("srv-web") == "dep-prev"
    assert waits == [2.0, 4.0]
    fake.fail_next = [503, 503, 503]
    with pytest.raises(RenderError) as failure:
        client.live_deploy_id("srv-web")
    assert (
        str(failure.value)
        == f'GET {base_url}/v1/services/srv-web/deploys?limit=20 answered 503: {{"message": "try again"}}'
    )
    assert render_deploy._redact("https://api.render.com/deploy/srv-1?key=s3cret") == (
        "https://api.render.com/deploy/srv-1?key=…"
    )
    with pytest.raises(RenderError, match="answered 404"):
        client.get_deploy("srv-unknown", "dep-x")


def test_wait_survives_a_status_read_that_fails(render):
    fake, base_url = render
    with_live_deploys(fake)
    fake.scripts = {"srv-web": [["build_in_progress", "live"]]}
    client = RenderClient(api_url=f"{base_url}/v1", api_key="k", retries=0, sleep=lambda _s: None)
    deploy_id = client.trigger_deploy("srv-web")
    fake.fail_next = [502]
    messages: list[str] = []
    status = Deployer(client, timeout=5, interval=0, say=messages.append).wait("srv-web", deploy_id)
    assert status == "live"
    assert any("status not readable" in message for message in messages)


def test_verify_with_command_counts_errors_and_non_zero_exits_as_failures(monkeypatch):
    outcomes: list[BaseException | None] = [
        None,
        CommandError("ready failed"),
        SystemExit(2),
        SystemExit(0),
        KeyError("x"),
    ]

    def fake_call_command(name: str, url: str, *args: str, stdout: Any, stderr: Any) -> None:
        stdout.write(f"{name} {url} {' '.join(args)}".strip())
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr("django.core.management.call_command", fake_call_command)
    results = [verify_with_command("https://x.example", extra_args=["--timeout", "5"]) for _ in range(5)]
    assert [r.ok for r in results] == [True, False, False, True, False]
    assert results[0].output == "verify_deployment https://x.example --timeout 5"
    assert "ready failed" in results[1].output
    assert "exited with 2" in results[2].output


def test_report_markdown_and_text_name_every_step():
    report = render_deploy.DeployReport(service_id="srv-web", previous_deploy_id="dep-1", deploy_id="dep-2")
    report.status, report.verified, report.verify_output = "live", False, "/health/ready answered 503"
    report.rolled_back_to, report.rollback_status = "dep-1", "live"
    report.steps = ["started deploy dep-2", "verification failed"]
    assert report.ok is False
    markdown = report.as_markdown()
    assert markdown.startswith("## ❌ Deploy dep-2 failed verification; rolled back to dep-1 (live again).")
    assert "| rolled back to | `dep-1` |" in markdown
    assert "/health/ready answered 503" in markdown
    assert report.as_text().splitlines()[2:4] == ["- started deploy dep-2", "- verification failed"]
    assert VerifyResult(ok=True, output="").ok


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "RENDER_API_URL",
            "api.render.com/v1",
            "RENDER_API_URL='api.render.com/v1' must start with http:// or https://",
        ),
        ("RENDER_DEPLOY_HOOK_URL", "render.com/deploy", "RENDER_DEPLOY_HOOK_URL must start with http:// or https://"),
        ("RENDER_DEPLOY_TIMEOUT", "soon", "RENDER_DEPLOY_TIMEOUT='soon' is not a whole number"),
    ],
)
def test_a_wrong_deploy_setting_stops_the_start_naming_it(variable, value, message):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "console://",
        variable: value,
    }
    process = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1
    assert process.stderr.strip().splitlines()[-1] == f"django.core.exceptions.ImproperlyConfigured: {message}"
