"""Drives the published `blobhub` SDK (PyPI, unchanged) against a running BlobHub.

Called by test/compat/clients.test.ts. Reads the fixture from the environment (COMPAT_*), runs the
checks of the group named on the command line, and prints one JSON line per check:
{"check": name, "ok": bool, "detail": ...}. A check that raises is reported failed with the error.
"""

import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

import blobhub

ORG = os.environ["COMPAT_ORG"]
FLOWS = os.environ.get("COMPAT_WORKFLOW_BLOB", "flows")
MODEL_BLOB = os.environ.get("COMPAT_ONNX_BLOB", "model")

CHECKS = {}


def check(group):
    def register(fn):
        CHECKS.setdefault(group, []).append(fn)
        return fn

    return register


def expect(condition, detail):
    if not condition:
        raise AssertionError(detail)


def fibonacci_input(n):
    return {"n": {"type": "integer", "integer": n}}


def output_of(execution, alias):
    for item in execution.refresh().record.get("output_data") or []:
        if item["alias"] == alias:
            return item["value"]
    return None


# --- connecting ------------------------------------------------------------------------------------


@check("env")
def connect_by_env():
    client = blobhub.connect()
    expect(client.identity.source == "env", client.identity)
    user = client.whoami()
    expect(user["id"].startswith("usr_") and user["email"], user)
    return user["email"]


@check("profile")
def connect_by_profile():
    expect("BLOBHUB_API_KEY" not in os.environ, "the profile check must run without BLOBHUB_API_KEY")
    client = blobhub.connect()
    expect(client.identity.source.startswith("profile:"), client.identity)
    user = client.whoami()
    expect(user["id"].startswith("usr_"), user)
    return {"source": client.identity.source, "api_url": client.identity.api_url}


# --- blobs, revisions, metadata -------------------------------------------------------------------


@check("env")
def anonymous_reads_a_public_blob_only():
    client = blobhub.connect(anonymous=True)
    expect(client.whoami() is None, "an anonymous client has no user")
    public = client.blob(ORG, "public-notes")
    expect(public.visibility == "public", public.record)
    try:
        client.blob(ORG, FLOWS)
    except (blobhub.NotFound, blobhub.PermissionDenied, blobhub.AuthError) as error:
        return {"public": public.id, "private": f"refused: {error.error}"}
    raise AssertionError("an anonymous client read a private blob")


@check("env")
def blob_by_name():
    blob = blobhub.connect().blob(ORG, FLOWS)
    expect(blob.type == "blobhub.compute.workflow", blob.record)
    expect(blob.alias == FLOWS and blob.default_revision_id, blob.record)
    return {"id": blob.id, "type": blob.type}


@check("env")
def revisions_by_ref():
    blob = blobhub.connect().blob(ORG, FLOWS)
    default = blob.revision("default")
    expect(default.id == blob.default_revision_id, (default.id, blob.default_revision_id))
    by_id = blob.revision(default.id)
    expect(by_id.id == default.id and by_id.status == "ready", by_id.record)
    listed = [revision.id for revision in blob.revisions(page_size=1)]
    expect(default.id in listed, listed)
    return {"default": default.id, "listed": len(listed)}


@check("env")
def metadata_on_a_blob():
    client = blobhub.connect()
    blob = client.blob(ORG, FLOWS)
    client.request("PUT", f"blobs/{blob.id}/metadata/owner", json={"value": {"team": "data"}})
    metadata = client.request("GET", f"blobs/{blob.id}/metadata")["metadata"]
    expect(metadata.get("owner") == {"team": "data"}, metadata)
    return metadata


# --- workflows ------------------------------------------------------------------------------------


@check("env")
def execution_runs_to_completion_with_outputs():
    workflow = blobhub.connect().blob(ORG, FLOWS).revision().typed()
    expect(type(workflow).__name__ == "Workflow", type(workflow))
    execution = workflow.execute("fibonacci", input_data=fibonacci_input(10))
    status = execution.wait(timeout=60, interval=0.2)
    expect(status == "completed", execution.record)
    result = output_of(execution, "result")
    expect(result == {"type": "integer", "integer": 55}, result)
    return {"execution": execution.id, "status": status}


@check("env")
def execution_events_oldest_first():
    workflow = blobhub.connect().blob(ORG, FLOWS).revision().typed()
    execution = workflow.execute("fibonacci", input_data=fibonacci_input(5))
    seen = []
    execution.wait(timeout=60, interval=0.2, on_event=lambda event: seen.append(event["type"]))
    log = [event["type"] for event in execution.events()]
    expect("processor.exited" in log and log.index("flow.entered") < log.index("flow.exited"), log)
    expect(seen == log, (seen, log))
    return log


@check("env")
def sessions_by_alias():
    workflow = blobhub.connect().blob(ORG, FLOWS).revision().typed()
    first = workflow.execute("fibonacci", input_data=fibonacci_input(3), session="nightly")
    second = workflow.execute("fibonacci", input_data=fibonacci_input(4), session="nightly")
    expect(first.session_id == second.session_id, (first.session_id, second.session_id))
    session = workflow.revision.query("get_session", session_id="nightly")["session"]
    expect(session["id"] == first.session_id and session["status"] == "open", session)
    for execution in (first, second):
        expect(execution.wait(timeout=60, interval=0.2) == "completed", execution.record)
    return session["id"]


@check("env")
def qualified_workflow_reference():
    revision = blobhub.connect().blob(ORG, FLOWS).revision()
    execution = revision.typed().execute(f"{ORG}/{FLOWS}/default/fibonacci", input_data=fibonacci_input(6))
    expect(execution.wait(timeout=60, interval=0.2) == "completed", execution.record)
    expect(output_of(execution, "result") == {"type": "integer", "integer": 8}, execution.record)
    return execution.id


@check("env")
def stopping_an_execution():
    workflow = blobhub.connect().blob(ORG, FLOWS).revision().typed()
    execution = workflow.execute("slow")
    execution.stop()
    status = execution.wait(timeout=60, interval=0.2)
    expect(status == "stopped", execution.record)
    return status


@check("env")
def commit_and_create_revision():
    blob = blobhub.connect().blob(ORG, "drafts")
    draft = blob.revision("default")
    committed = draft.commit("first version", timeout=60)
    expect(committed.phase == "commit" and committed.status == "ready", committed.record)
    created = blob.create_revision("second version", timeout=60)
    expect(created.status == "ready" and created.parent_id == committed.id, created.record)
    expect(created.comment == "second version", created.record)
    return {"committed": committed.id, "created": created.id}


# --- ONNX -----------------------------------------------------------------------------------------


@check("env")
def onnx_upload_download_and_topology():
    model = Path(os.environ["COMPAT_MODEL_FILE"])
    onnx = blobhub.connect().blob(ORG, MODEL_BLOB).revision().typed()
    expect(type(onnx).__name__ == "Onnx", type(onnx))
    try:
        operation = onnx.upload(model, timeout=60)
    except blobhub.OperationFailed:
        raise AssertionError(onnx.revision.refresh().record.get("status_reason")) from None
    expect(operation.status == "completed", operation.record)
    artifacts = {artifact.path: artifact.size for artifact in onnx.artifacts()}
    expect({"model.tar.gz", "model.onnx", "model.json"} <= set(artifacts), artifacts)
    expect(artifacts["model.onnx"] == model.stat().st_size, artifacts)
    with tempfile.TemporaryDirectory() as directory:
        downloaded = onnx.download("model.onnx", dest=directory + os.sep)
        expect(downloaded.read_bytes() == model.read_bytes(), "the downloaded model differs from the upload")
    topology = onnx.topology()
    expect([i["name"] for i in topology["inputs"]] == ["A", "B"], topology)
    return artifacts


def main():
    group = sys.argv[1]
    for fn in CHECKS[group]:
        try:
            detail = fn()
            print(json.dumps({"check": fn.__name__, "ok": True, "detail": detail}, default=str), flush=True)
        except Exception as error:  # a failed check is reported, and the next one still runs
            detail = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=4)}"
            print(json.dumps({"check": fn.__name__, "ok": False, "detail": detail}), flush=True)


if __name__ == "__main__":
    main()
