"""The CI examples in examples/pipelines/ parse and keep their essential steps."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

PIPELINES = Path(__file__).resolve().parent.parent / "examples" / "pipelines"
GITHUB = PIPELINES / "github-actions.yml"
AZURE = PIPELINES / "azure-pipelines.yml"


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def scan_args(script: str) -> list[str]:
    """The arguments of the `aks-netaudit scan` command in a shell script (continuations joined)."""
    joined = script.replace("\\\n", " ")
    for line in joined.splitlines():
        if line.strip().startswith("aks-netaudit scan"):
            return shlex.split(line, comments=True)[2:]
    raise AssertionError("no `aks-netaudit scan` command in the script")


def option(args: list[str], name: str) -> str:
    assert name in args, f"{name} missing from the scan command: {args}"
    return args[args.index(name) + 1]


# --- GitHub Actions ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    return load(GITHUB)


@pytest.fixture(scope="module")
def gh_steps(workflow) -> list[dict]:
    jobs = workflow["jobs"]
    assert len(jobs) == 1
    (job,) = jobs.values()
    assert job["runs-on"] == "ubuntu-latest"
    return job["steps"]


def gh_step(steps: list[dict], uses: str) -> tuple[int, dict]:
    found = [(i, s) for i, s in enumerate(steps) if str(s.get("uses", "")).split("@")[0] == uses]
    assert len(found) == 1, f"expected one `{uses}` step, found {len(found)}"
    return found[0]


def gh_scan(steps: list[dict]) -> tuple[int, dict]:
    found = [(i, s) for i, s in enumerate(steps) if "aks-netaudit scan" in s.get("run", "")]
    assert len(found) == 1
    return found[0]


def test_github_triggers_nightly_and_by_hand(workflow):
    # PyYAML (YAML 1.1) reads the key `on` as the boolean True.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers is not None, "no `on:` triggers"
    assert "workflow_dispatch" in triggers
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert len(crons) == 1 and len(crons[0].split()) == 5


def test_github_oidc_permissions(workflow):
    assert workflow["permissions"] == {"id-token": "write", "contents": "read", "security-events": "write",
                                       "checks": "write"}


def test_github_login_is_oidc_without_secret(gh_steps):
    index, login = gh_step(gh_steps, "azure/login")
    assert login["uses"] == "azure/login@v2"
    inputs = login["with"]
    assert inputs["client-id"].startswith("${{") and inputs["tenant-id"].startswith("${{")
    assert inputs["allow-no-subscriptions"] is True
    assert "creds" not in inputs and "client-secret" not in inputs
    assert index < gh_scan(gh_steps)[0]


def test_github_installs_from_the_checkout(gh_steps):
    checkout, _ = gh_step(gh_steps, "actions/checkout")
    python, setup = gh_step(gh_steps, "actions/setup-python")
    assert str(setup["with"]["python-version"]) == "3.11"
    installs = [i for i, s in enumerate(gh_steps) if "pip install ." in s.get("run", "")]
    assert len(installs) == 1
    assert checkout < installs[0] and python < installs[0] < gh_scan(gh_steps)[0]


def test_github_scan_command(gh_steps):
    _, scan = gh_scan(gh_steps)
    args = scan_args(scan["run"])
    assert option(args, "--credential") == "cli"
    assert option(args, "--profile") == "all"
    assert option(args, "--fail-on") == "critical"
    assert option(args, "--output-dir").rstrip("/") == "report"
    assert {"sarif", "junit"} <= set(option(args, "--format").split(","))
    assert "if" not in scan  # the scan's exit code is the gate


def test_github_uploads_sarif_to_code_scanning_and_publishes_junit(gh_steps):
    scan_index = gh_scan(gh_steps)[0]
    index, sarif = gh_step(gh_steps, "github/codeql-action/upload-sarif")
    assert sarif["with"]["sarif_file"] == "report/report.sarif" and sarif["if"].startswith("always()")
    junit_index, junit = gh_step(gh_steps, "mikepenz/action-junit-report")
    assert junit["with"]["report_paths"] == "report/report.junit.xml" and junit["if"].startswith("always()")
    assert index > scan_index and junit_index > scan_index


def test_github_reports_uploaded_even_when_the_gate_fails(gh_steps):
    index, upload = gh_step(gh_steps, "actions/upload-artifact")
    assert upload["if"] == "always()"
    assert upload["with"]["path"].rstrip("/") == "report"
    assert index > gh_scan(gh_steps)[0]


# --- Azure Pipelines --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline() -> dict:
    return load(AZURE)


@pytest.fixture(scope="module")
def az_jobs(pipeline) -> dict[str, dict]:
    return {job["job"]: job for job in pipeline["jobs"]}


def az_task(steps: list[dict], name: str) -> list[tuple[int, dict]]:
    return [(i, s) for i, s in enumerate(steps) if s.get("task") == name]


def az_scan_task(job: dict) -> tuple[int, dict]:
    tasks = [(i, s) for i, s in az_task(job["steps"], "AzureCLI@2")
             if "aks-netaudit scan" in s["inputs"]["inlineScript"]]
    assert len(tasks) == 1, f"job {job['job']}: expected one AzureCLI@2 task running the scan"
    return tasks[0]


def test_azure_scheduled_nightly_always(pipeline):
    (schedule,) = pipeline["schedules"]
    assert schedule["always"] is True
    assert len(schedule["cron"].split()) == 5
    assert "main" in schedule["branches"]["include"]
    assert pipeline["trigger"] == "none" and pipeline["pr"] == "none"
    assert pipeline["pool"]["vmImage"] == "ubuntu-latest"


def test_azure_both_credentials_offered(pipeline, az_jobs):
    (param,) = [p for p in pipeline["parameters"] if p["name"] == "credential"]
    assert param["default"] == "cli"
    assert set(param["values"]) == {"cli", "azure-pipelines"}
    credentials = {option(scan_args(az_scan_task(job)[1]["inputs"]["inlineScript"]), "--credential")
                   for job in az_jobs.values()}
    assert credentials == {"cli", "azure-pipelines"}


@pytest.mark.parametrize("credential", ["cli", "azure-pipelines"])
def test_azure_job(az_jobs, pipeline, credential):
    (job,) = [j for j in az_jobs.values()
              if option(scan_args(az_scan_task(j)[1]["inputs"]["inlineScript"]), "--credential") == credential]
    steps = job["steps"]
    assert f"'{credential}'" in job["condition"]

    (py_index, python), = az_task(steps, "UsePythonVersion@0")
    assert str(python["inputs"]["versionSpec"]) == "3.11"
    installs = [i for i, s in enumerate(steps) if "pip install ." in s.get("script", "")]
    assert len(installs) == 1
    assert steps[0] == {"checkout": "self"}

    scan_index, scan = az_scan_task(job)
    assert py_index < installs[0] < scan_index
    inputs = scan["inputs"]
    assert inputs["azureSubscription"] == "$(serviceConnection)"
    assert pipeline["variables"]["serviceConnection"]
    assert inputs["scriptType"] == "bash"
    assert inputs["scriptLocation"] == "inlineScript"
    args = scan_args(inputs["inlineScript"])
    assert option(args, "--profile") == "all"
    assert option(args, "--fail-on") == "critical"
    output = option(args, "--output-dir")
    assert output == "$(Build.ArtifactStagingDirectory)/report"
    if credential == "cli":
        assert inputs["addSpnToEnvironment"] is True
    else:
        # AzurePipelinesCredential needs the job's access token; secrets are only exported when mapped.
        assert scan["env"]["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)"

    assert {"sarif", "junit"} <= set(option(args, "--format").split(","))
    (tests_index, tests), = az_task(steps, "PublishTestResults@2")
    assert tests["condition"] == "always()" and tests["inputs"]["testResultsFormat"] == "JUnit"
    assert tests["inputs"]["testResultsFiles"] == f"{output}/report.junit.xml" and tests_index > scan_index
    (pub_index, publish), = az_task(steps, "PublishPipelineArtifact@1")
    assert publish["condition"] == "always()"
    assert publish["inputs"]["targetPath"] == output
    assert pub_index > scan_index


def test_readme_covers_the_set_up():
    text = (PIPELINES / "README.md").read_text(encoding="utf-8")
    for needle in (
        "az ad app create",
        "az ad sp create",
        "az ad app federated-credential create",
        "https://token.actions.githubusercontent.com",
        "repo:OWNER/REPO:ref:refs/heads/main",
        "az role assignment create",
        "--role Reader",
        "/providers/Microsoft.Management/managementGroups/",
        "Azure Kubernetes Service RBAC Reader",
        "SYSTEM_ACCESSTOKEN",
        "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    ):
        assert needle in text, needle
