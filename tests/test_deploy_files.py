"""The deploy files, CI/CD workflows and docs say what they must, validated as far as this machine can.

No Docker engine and no GitHub runner here: workflows, dependabot and compose are validated against the schemas
check-jsonschema ships (offline), the Dockerfile is parsed instruction by instruction, render.yaml is parsed and
checked against the Blueprint rules it relies on, and gunicorn and the health check are started for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import load_command_class

from gnb.testing.environment import documented
from gnb.testing.servers import free_port

BASE_DIR = Path(__file__).resolve().parent.parent
WORKFLOWS = BASE_DIR / ".github" / "workflows"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
TEST_ENV = {
    "PATH": os.environ.get("PATH", ""),
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "EMAIL_URL": "console://",
    "SITE_URL": "http://testserver",
}
# Variables in deploy files and workflows that are not application settings.
NOT_APP_SETTINGS = {
    "POSTGRES_PASSWORD",  # compose: the database container's password
    "POSTGRES_DB",
    "POSTGRES_USER",
    "PYTHON_VERSION",
    "PG_MAJOR",
    "DEPLOY_SHA",
    "OUTCOME",
    "RUN_URL",
}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow(name: str) -> dict[str, Any]:
    data = load_yaml(WORKFLOWS / name)
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def all_steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def run_scripts(data: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in all_steps(data))


def validate(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with one of its vendored schemas (offline: nothing is downloaded)."""
    return subprocess.run(  # noqa: S603 (the venv's own tool, fixed arguments)
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- schemas ---------------------------------------------------------------------------------------------------


WORKFLOW_FILES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))


def test_the_four_workflows_exist():
    assert WORKFLOW_FILES == ["backup.yml", "ci.yml", "codeql.yml", "deploy.yml"]


@pytest.mark.parametrize("schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"])
def test_workflows_match_the_github_schema_and_every_job_has_a_timeout(schema):
    result = validate(schema, *(WORKFLOWS / name for name in WORKFLOW_FILES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    # Proves the validation above can fail: a job without runs-on and with an unknown key.
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    step: []\n", encoding="utf-8")
    assert validate("vendor.github-workflows", broken).returncode == 1


def test_dependabot_matches_its_schema_and_covers_uv_actions_and_docker():
    path = BASE_DIR / ".github" / "dependabot.yml"
    result = validate("vendor.dependabot", path)
    assert result.returncode == 0, result.stdout + result.stderr
    updates = load_yaml(path)["updates"]
    assert {u["package-ecosystem"] for u in updates} >= {"uv", "github-actions", "docker"}
    assert {u["schedule"]["interval"] for u in updates} == {"weekly"}


def test_compose_file_matches_the_compose_spec():
    result = validate("vendor.compose-spec", BASE_DIR / "deploy" / "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", WORKFLOW_FILES)
def test_every_action_is_pinned_to_a_major_version_or_a_commit(name):
    uses = [step["uses"] for step in all_steps(workflow(name)) if "uses" in step]
    assert uses
    loose = [u for u in uses if not re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})", u)]
    assert loose == []


# --- ci.yml ----------------------------------------------------------------------------------------------------


def test_ci_runs_on_push_and_pull_request_and_skips_code_jobs_for_docs_only_changes():
    ci = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    changes = ci["jobs"]["changes"]
    filter_step = next(s for s in changes["steps"] if s.get("uses", "").startswith("dorny/paths-filter@"))
    filters = yaml.safe_load(filter_step["with"]["filters"])
    assert "!docs/**" in filters["code"] and "!**/*.md" in filters["code"]
    # The docs that tests read still trigger the tests.
    assert "docs/environment.md" in filters["checked_docs"]
    for name, job in ci["jobs"].items():
        if name != "changes":
            assert job["needs"] == "changes"
            assert job["if"].startswith("needs.changes.outputs.")


def test_ci_tests_run_make_test_on_postgresql_and_redis_service_containers_with_debian_chromium():
    test = workflow("ci.yml")["jobs"]["test"]
    assert test["services"]["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in test["services"]["postgres"]["options"]
    assert test["services"]["redis"]["image"].startswith("redis:")
    assert "postgres://postgres:postgres@postgres:5432/gnb" in test["env"]["DATABASE_URL"]
    assert "redis://redis:6379/0" in test["env"]["REDIS_URL"]
    assert test["strategy"]["matrix"]["database"] == ["postgresql", "sqlite"]
    runs = "\n".join(step.get("run", "") for step in test["steps"])
    assert re.search(r"^make test$", runs, re.MULTILINE)
    assert re.search(r"apt-get install .*\bchromium\b", runs)
    assert test["container"].startswith("python:3.11-slim")


def test_ci_has_lint_types_migrations_security_and_an_unpushed_docker_build():
    ci = workflow("ci.yml")
    runs = run_scripts(ci)
    assert "ruff check" in runs and "ruff format --check" in runs
    assert "mypy gnb config" in runs
    assert "makemigrations --check --dry-run" in runs
    assert "pip-audit" in runs
    assert re.search(r"bandit --recursive gnb config", runs)
    build = next(s for s in ci["jobs"]["docker"]["steps"] if s.get("uses", "").startswith("docker/build-push-action@"))
    assert build["with"]["push"] is False
    assert build["with"]["file"] == "deploy/Dockerfile"
    assert "deploy/healthcheck.py" in runs


# --- deploy.yml ------------------------------------------------------------------------------------------------


def test_deploy_runs_after_ci_succeeds_on_main_in_the_production_environment():
    deploy = workflow("deploy.yml")
    trigger = deploy["on"]["workflow_run"]
    assert trigger == {"workflows": ["CI"], "types": ["completed"], "branches": ["main"]}
    job = deploy["jobs"]["deploy"]
    assert "github.event.workflow_run.conclusion == 'success'" in job["if"]
    assert job["environment"]["name"] == "production"
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_deploy_step_deploys_verifies_and_rolls_back_through_render_deploy():
    job = workflow("deploy.yml")["jobs"]["deploy"]
    step = next(s for s in job["steps"] if s.get("id") == "deploy")
    command = shlex.split(step["run"])
    assert command[:3] == [".venv/bin/python", "manage.py", "render_deploy"]
    assert command[command.index("--commit") + 1] == "$DEPLOY_SHA"
    assert command[command.index("--summary-file") + 1] == "$GITHUB_STEP_SUMMARY"
    assert step["env"]["RENDER_API_KEY"] == "${{ secrets.RENDER_API_KEY }}"
    # The step's arguments are the command's own: its parser takes them as written. That the command verifies the
    # deploy and rolls back a failed one is tested by running it against a local Render (test_render_deploy.py).
    parser = load_command_class("gnb.ops", "render_deploy").create_parser("manage.py", "render_deploy")
    options = parser.parse_args(command[3:])
    assert (options.commit, options.summary_file) == ("$DEPLOY_SHA", "$GITHUB_STEP_SUMMARY")


def test_deploy_notifies_slack_and_opens_an_issue_on_failure():
    steps = workflow("deploy.yml")["jobs"]["deploy"]["steps"]
    slack = next(s for s in steps if s.get("name") == "Notify Slack")
    assert slack["if"].startswith("always()")
    issue = next(s for s in steps if s.get("uses", "").startswith("actions/github-script@"))
    assert issue["if"] == "failure()"
    assert "github.rest.issues.create" in issue["with"]["script"]
    assert workflow("deploy.yml")["jobs"]["deploy"]["permissions"]["issues"] == "write"


# --- backup.yml ------------------------------------------------------------------------------------------------


def test_backup_runs_daily_at_three_utc_and_by_hand():
    backup = workflow("backup.yml")
    assert backup["on"]["schedule"] == [{"cron": "0 3 * * *"}]
    assert "workflow_dispatch" in backup["on"]


def test_backup_creates_then_verifies_with_production_secrets_and_alerts_on_failure():
    backup = workflow("backup.yml")
    job = backup["jobs"]["backup"]
    runs = [step.get("run", "") for step in job["steps"]]
    create = next(i for i, run in enumerate(runs) if "manage.py backup create" in run)
    verify = next(i for i, run in enumerate(runs) if "manage.py backup verify" in run)
    assert create < verify
    for secret in (
        "DATABASE_URL",
        "BACKUP_ENCRYPTION_KEY",
        "BACKUP_S3_BUCKET",
        "BACKUP_S3_ACCESS_KEY_ID",
        "BACKUP_S3_SECRET_ACCESS_KEY",
    ):
        assert job["env"][secret] == f"${{{{ secrets.{secret} }}}}"
    failure_steps = [step for step in job["steps"] if str(step.get("if", "")).startswith("failure()")]
    assert len(failure_steps) == 2
    artifact = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert artifact["with"]["retention-days"] == 7


def test_codeql_analyzes_python():
    codeql = workflow("codeql.yml")
    init = next(s for s in all_steps(codeql) if s.get("uses", "").startswith("github/codeql-action/init@"))
    assert init["with"]["languages"] == "python"
    assert codeql["jobs"]["analyze"]["permissions"]["security-events"] == "write"


# --- settings used by the deploy files are settings the project knows ---------------------------------------


def _workflow_env_names() -> set[str]:
    names: set[str] = set()
    for name in WORKFLOW_FILES:
        data = workflow(name)
        names |= set(data.get("env", {}))
        for job in data["jobs"].values():
            names |= set(job.get("env", {}))
            for step in job.get("steps", []):
                names |= set(step.get("env", {}))
    return names


def _render_env_names() -> set[str]:
    blueprint = load_yaml(BASE_DIR / "render.yaml")
    names = {var["key"] for group in blueprint["envVarGroups"] for var in group["envVars"]}
    for service in blueprint["services"]:
        names |= {var["key"] for var in service.get("envVars", []) if "key" in var}
    return names


def _compose_env_names() -> set[str]:
    compose = load_yaml(BASE_DIR / "deploy" / "docker-compose.yml")
    names: set[str] = set()
    for service in compose["services"].values():
        names |= set(service.get("environment", {}))
    example = (BASE_DIR / "deploy" / ".env.example").read_text(encoding="utf-8")
    names |= set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    return names


@pytest.mark.parametrize("source", ["workflows", "render.yaml", "docker-compose"])
def test_deploy_files_only_set_variables_the_project_documents(source):
    names = {"workflows": _workflow_env_names, "render.yaml": _render_env_names, "docker-compose": _compose_env_names}
    unknown = sorted(names[source]() - set(documented()) - NOT_APP_SETTINGS)
    # GitHub's own variables are not ours.
    unknown = [name for name in unknown if not name.startswith(("GITHUB_", "RUNNER_"))]
    assert unknown == [], f"not in docs/environment.md (so not read by the settings): {unknown}"


# --- Dockerfile ------------------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in (BASE_DIR / "deploy" / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, args in dockerfile_instructions():
        if keyword == "FROM":
            result.append([])
        result[-1].append((keyword, args))
    return result


def test_dockerfile_has_a_builder_and_a_slim_python_3_11_runtime():
    froms = [args for keyword, args in dockerfile_instructions() if keyword == "FROM"]
    assert froms == ["python:3.11-slim-trixie AS builder", "python:3.11-slim-trixie AS runtime"]


def test_builder_installs_the_locked_dependencies_with_the_makefiles_uv():
    builder = stages()[0]
    runs = " ".join(args for keyword, args in builder if keyword == "RUN")
    assert "uv sync --frozen --no-dev" in runs
    copies = [args for keyword, args in builder if keyword == "COPY"]
    assert copies == ["pyproject.toml uv.lock ./"]
    uv_arg = next(args for keyword, args in builder if keyword == "ARG" and args.startswith("UV_VERSION="))
    makefile_uv = re.search(r"^UV_VERSION := (\S+)$", (BASE_DIR / "Makefile").read_text(), re.MULTILINE)
    assert makefile_uv and uv_arg == f"UV_VERSION={makefile_uv.group(1)}"


def test_runtime_copies_only_the_venv_and_the_code_and_runs_as_a_non_root_user():
    runtime = stages()[1]
    copies = [args for keyword, args in runtime if keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv", ". ."]
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert len(users) == 1 and users[0].split(":")[0] not in {"root", "0"}
    # Nothing runs as root after the switch.
    keywords = [keyword for keyword, _args in runtime]
    assert "RUN" not in keywords[keywords.index("USER") :]


def test_static_files_are_collected_at_build_with_production_storage_and_a_throwaway_key():
    runtime = stages()[1]
    collect = next(args for keyword, args in runtime if keyword == "RUN" and "collectstatic" in args)
    assert "DEBUG=0" in collect
    key = re.search(r"SECRET_KEY=(\S+)", collect)
    assert key and "throwaway" in key.group(1) and len(key.group(1)) >= 32
    assert "manage.py collectstatic --no-input" in collect


def test_no_secret_is_baked_into_the_image():
    secretish = re.compile(r"(SECRET|PASSWORD|TOKEN|API_KEY|ENCRYPTION_KEY|DSN|WEBHOOK|ACCESS_KEY)", re.IGNORECASE)
    for keyword, args in dockerfile_instructions():
        if keyword in {"ENV", "ARG", "LABEL"}:
            assert not secretish.search(args), f"{keyword} {args}"
        if keyword in {"COPY", "ADD"}:
            assert ".env" not in args
        assert keyword != "ADD", "use COPY; ADD fetches URLs and unpacks archives"
    ignored = (BASE_DIR / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert {".env", "**/.env", ".git", ".venv", "var"} <= set(ignored)


def test_healthcheck_expose_and_command():
    instructions = dict(dockerfile_instructions()[-4:])
    assert "deploy/healthcheck.py" in instructions["HEALTHCHECK"] and "/health/live" in instructions["HEALTHCHECK"]
    assert "curl" not in instructions["HEALTHCHECK"] and "wget" not in instructions["HEALTHCHECK"]
    assert instructions["EXPOSE"] == "8000"
    assert json.loads(instructions["CMD"]) == ["gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi"]


def test_collectstatic_with_the_production_storage_succeeds(tmp_path, settings):
    # The image build runs exactly this; a stylesheet that references a missing file fails it here first.
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--no-input", verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert manifest["paths"]
    assert list(tmp_path.rglob("*.css.gz")), "WhiteNoise writes compressed copies next to the hashed files"


# --- docker-compose.yml ----------------------------------------------------------------------------------------


def test_compose_runs_web_worker_scheduler_after_a_release_step_against_postgres_and_redis():
    compose = load_yaml(BASE_DIR / "deploy" / "docker-compose.yml")
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "release", "web", "worker", "scheduler", "lb"}
    assert services["release"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    assert services["scheduler"]["command"] == ["python", "manage.py", "run_scheduler"]
    assert "command" not in services["web"]  # the image's gunicorn CMD
    for name in ("web", "worker", "scheduler"):
        assert services[name]["depends_on"]["release"] == {"condition": "service_completed_successfully"}
        assert services[name]["env_file"] == [{"path": ".env", "required": True}]
        assert services[name]["build"]["context"] == ".."
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://gnb:")
        assert services[name]["environment"]["DATABASE_URL"].endswith("@postgres:5432/gnb")
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert services["release"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["scheduler"]["deploy"]["replicas"] == 1
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "pgdata:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pgdata" in compose["volumes"]
    assert services["lb"]["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_scales_web_and_worker_behind_a_load_balancer():
    """`docker compose up --scale web=2 --scale worker=2` needs services without fixed names or host ports, and one
    entry point that spreads requests over the replicas."""
    compose = load_yaml(BASE_DIR / "deploy" / "docker-compose.yml")
    services = compose["services"]
    for name, service in services.items():
        assert "container_name" not in service, f"{name}: a fixed container name cannot be scaled"
    # Only the load balancer publishes a port; two web replicas publishing 8000 would clash on the host.
    assert [name for name, service in services.items() if "ports" in service] == ["lb"]
    assert services["web"]["expose"] == ["8000"]
    for name in ("web", "worker"):
        assert services[name].get("deploy", {}).get("replicas", 1) == 1  # scaled with --scale, not pinned
        assert services[name]["environment"]["REDIS_URL"] == "redis://redis:6379/0"  # limits and caches shared
    lb = services["lb"]
    assert lb["image"].startswith("nginx:")
    assert lb["volumes"] == ["./lb.nginx.conf:/etc/nginx/conf.d/default.conf:ro"]
    assert lb["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "--scale web=2 --scale worker=2" in (BASE_DIR / "deploy" / "docker-compose.yml").read_text()


def test_the_load_balancer_resolves_every_web_replica_and_adds_no_proxy_hop():
    conf = (BASE_DIR / "deploy" / "lb.nginx.conf").read_text()
    directives = [line.split("#")[0].strip() for line in conf.splitlines() if line.split("#")[0].strip()]
    # Docker's DNS, asked again at run time through a variable: a name in proxy_pass itself is resolved once at
    # start, and replicas added later would never get a request.
    assert "resolver 127.0.0.11 valid=10s ipv6=off;" in directives
    assert "set $web http://web:8000;" in directives
    assert "proxy_pass $web;" in directives
    assert "listen 8000;" in directives
    # X-Forwarded-For passes through untouched: rewriting it would add a hop TRUSTED_PROXY_HOPS does not count.
    assert not [line for line in directives if "X-Forwarded-For" in line]
    assert conf.count("{") == conf.count("}")


# --- render.yaml -----------------------------------------------------------------------------------------------


def render_services() -> dict[str, dict[str, Any]]:
    return {service["name"]: service for service in load_yaml(BASE_DIR / "render.yaml")["services"]}


def env_entries(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["key"]: entry for entry in service["envVars"] if "key" in entry}


def test_render_web_service_checks_readiness_and_migrates_as_its_release_step():
    web = render_services()["gnb-web"]
    assert web["type"] == "web"
    assert web["runtime"] == "docker"
    assert web["dockerfilePath"] == "./deploy/Dockerfile"
    assert web["healthCheckPath"] == "/health/live"
    assert web["preDeployCommand"] == "python manage.py migrate --no-input"
    assert "dockerCommand" not in web  # the image's gunicorn CMD, which binds $PORT


def test_render_worker_and_a_single_scheduler():
    services = render_services()
    assert services["gnb-worker"]["type"] == "worker"
    assert services["gnb-worker"]["dockerCommand"] == "python manage.py run_worker"
    scheduler = services["gnb-scheduler"]
    assert scheduler["type"] == "worker"
    assert scheduler["dockerCommand"] == "python manage.py run_scheduler"
    assert scheduler["numInstances"] == 1
    assert "scaling" not in scheduler


def test_render_wires_postgres_and_key_value_into_every_process_and_keeps_secrets_out():
    blueprint = load_yaml(BASE_DIR / "render.yaml")
    services = render_services()
    assert [db["name"] for db in blueprint["databases"]] == ["gnb-db"]
    cache = services["gnb-cache"]
    assert cache["type"] == "keyvalue" and "ipAllowList" in cache
    for name in ("gnb-web", "gnb-worker", "gnb-scheduler"):
        env = env_entries(services[name])
        assert env["DATABASE_URL"]["fromDatabase"] == {"name": "gnb-db", "property": "connectionString"}
        assert env["REDIS_URL"]["fromService"] == {
            "type": "keyvalue",
            "name": "gnb-cache",
            "property": "connectionString",
        }
        assert {"fromGroup": "gnb-settings"} in services[name]["envVars"]
        assert services[name]["autoDeployTrigger"] == "off"
    web_env = env_entries(services["gnb-web"])
    for secret in ("EMAIL_URL", "ALLOWED_HOSTS", "SITE_URL"):
        assert web_env[secret] == {"key": secret, "sync": False}
        for follower in ("gnb-worker", "gnb-scheduler"):
            assert env_entries(services[follower])[secret]["fromService"] == {
                "type": "web",
                "name": "gnb-web",
                "envVarKey": secret,
            }
    group = {var["key"]: var for var in blueprint["envVarGroups"][0]["envVars"]}
    assert group["SECRET_KEY"] == {"key": "SECRET_KEY", "generateValue": True}
    assert group["DEBUG"]["value"] == "0"
    # No literal value for anything secret-looking anywhere in the file.
    literal = {
        entry["key"]
        for service in [*blueprint["services"], *blueprint["envVarGroups"]]
        for entry in service.get("envVars", [])
        if "value" in entry
    }
    assert not {key for key in literal if re.search(r"SECRET|PASSWORD|TOKEN|API_KEY|DSN|WEBHOOK", key)}


# --- gunicorn.conf.py ------------------------------------------------------------------------------------------


def load_gunicorn_conf(env: dict[str, str]) -> dict[str, Any]:
    import runpy

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_gunicorn_binds_port_and_sizes_workers_from_the_environment():
    conf = load_gunicorn_conf({"PORT": "9123", "WEB_CONCURRENCY": "3", "PROMETHEUS_MULTIPROC_DIR": ""})
    assert conf["bind"] == "0.0.0.0:9123"
    assert conf["workers"] == 3
    assert (conf["threads"], conf["timeout"], conf["graceful_timeout"]) == (4, 30, 25)
    assert (conf["max_requests"], conf["max_requests_jitter"]) == (1000, 100)
    assert conf["forwarded_allow_ips"] == "*"
    assert conf["accesslog"] == "-"
    assert [conf["default_workers"](n) for n in (1, 2, 3, 4, 64)] == [3, 5, 7, 8, 8]


def test_gunicorn_refuses_a_wrong_worker_count():
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY='many' is not a whole number"):
        load_gunicorn_conf({"WEB_CONCURRENCY": "many"})
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY=0 must be at least 1"):
        load_gunicorn_conf({"WEB_CONCURRENCY": "0"})


def test_prometheus_directory_is_emptied_at_start_and_dead_workers_are_marked(tmp_path):
    metrics = tmp_path / "prometheus"
    metrics.mkdir()
    (metrics / "counter_111.db").write_bytes(b"old run")
    (metrics / "stale").mkdir()
    conf = load_gunicorn_conf({"PROMETHEUS_MULTIPROC_DIR": str(metrics)})

    class Log:
        def info(self, *args: Any) -> None:
            pass

    server = type("Server", (), {"log": Log()})()
    conf["on_starting"](server)
    assert list(metrics.iterdir()) == []

    # A live gauge file of worker 4242, as prometheus_client writes it, is removed when that worker exits.
    (metrics / "gauge_livesum_4242.db").write_bytes(b"")
    (metrics / "counter_4242.db").write_bytes(b"")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    try:
        conf["child_exit"](server, type("Worker", (), {"pid": 4242})())
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR")
    assert sorted(path.name for path in metrics.iterdir()) == ["counter_4242.db"]


def test_access_log_lines_are_json_even_with_quotes_and_backslashes():
    import datetime as dt
    import logging

    from gunicorn.config import Config

    conf = load_gunicorn_conf({"PROMETHEUS_MULTIPROC_DIR": ""})
    config = Config()
    config.set("accesslog", "-")
    logger = conf["JsonAccessLogger"](config)
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.access_log.addHandler(handler)
    response = type("Response", (), {"status": "200 OK", "sent": 512, "headers": []})()
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/en/",
        "QUERY_STRING": "q=1",
        "HTTP_USER_AGENT": 'Evil "agent" \\',
        "HTTP_X_REQUEST_ID": "req-1",
    }
    logger.access(response, None, environ, dt.timedelta(milliseconds=12.34))
    line = json.loads(records[-1])
    assert line["status"] == 200 and line["bytes"] == 512 and line["duration_ms"] == 12.3
    assert line["user_agent"] == 'Evil "agent" \\'
    assert (line["method"], line["path"], line["request_id"]) == ("GET", "/en/", "req-1")


def test_gunicorn_starts_with_the_config_and_the_container_health_check_passes(tmp_path):
    port = free_port()
    env = {
        **TEST_ENV,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 (the venv's gunicorn, fixed arguments)
        [str(gunicorn), "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    healthcheck = [sys.executable, "deploy/healthcheck.py", "/health/live"]
    try:
        deadline = time.monotonic() + 60
        while True:
            result = subprocess.run(healthcheck, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=30)  # noqa: S603
            if result.returncode == 0 or time.monotonic() > deadline or process.poll() is not None:
                break
            time.sleep(0.3)
        assert result.returncode == 0, result.stderr
        missing = subprocess.run(
            [sys.executable, "deploy/healthcheck.py", "/no-such-page"], cwd=BASE_DIR, env=env, capture_output=True
        )
        assert missing.returncode == 1
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    access = [json.loads(line) for line in output.splitlines() if line.startswith("{") and '"gunicorn.access"' in line]
    assert any(entry["path"] == "/health/live" and entry["status"] == 200 for entry in access), output
    assert (tmp_path / "prometheus").is_dir()


# --- deploy/healthcheck.py -------------------------------------------------------------------------------------


@pytest.fixture
def answering_server():
    seen: list[dict[str, str]] = []
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            self.send_response(status["code"])
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], status, seen
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (this repository's script, fixed arguments)
        [sys.executable, str(BASE_DIR / "deploy" / "healthcheck.py")],
        env={"PATH": os.environ.get("PATH", ""), "PORT": str(port), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_healthcheck_passes_on_200_with_an_allowed_host_and_fails_otherwise(answering_server):
    port, status, seen = answering_server
    assert run_healthcheck(port, ALLOWED_HOSTS=".gnbtransfer.com,www.gnbtransfer.com").returncode == 0
    assert seen[-1]["path"] == "/health/live"
    assert seen[-1]["host"] == "gnbtransfer.com"
    assert seen[-1]["x-forwarded-proto"] == "https"
    status["code"] = 503
    failed = run_healthcheck(port, ALLOWED_HOSTS="*")
    assert failed.returncode == 1 and failed.stderr == "unhealthy: /health/live answered 503\n"
    assert seen[-1]["host"] == "localhost"


def test_healthcheck_fails_when_nothing_listens():
    result = run_healthcheck(free_port())
    assert result.returncode == 1 and result.stderr.startswith("unhealthy: /health/live unreachable")


# --- docs ------------------------------------------------------------------------------------------------------

DOCS = ["quick-start.md", "deployment.md", "environment.md", "operations.md", "troubleshooting.md", "payments.md"]


def test_readme_links_every_guide():
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    for doc in DOCS:
        assert f"(docs/{doc})" in readme, doc


@pytest.mark.parametrize("path", ["README.md", *[f"docs/{doc}" for doc in DOCS]])
def test_relative_links_in_the_docs_resolve(path):
    source = BASE_DIR / path
    text = source.read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file_part = target.split("#", 1)[0]
        if not (source.parent / file_part).exists():
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("path", [f"docs/{doc}" for doc in DOCS])
def test_every_command_the_docs_name_exists(path):
    from django.core.management import get_commands

    text = (BASE_DIR / path).read_text(encoding="utf-8")
    named = set(re.findall(r"manage\.py ([a-z_]+)", text))
    unknown = sorted(named - set(get_commands()))
    assert unknown == []
