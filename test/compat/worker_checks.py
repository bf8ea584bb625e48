"""Drives the published `blobhub-worker` (PyPI, unchanged) against a running BlobHub.

Called by test/compat/clients.test.ts. The worker runs as its users run it -- `blobhub-worker start`,
headless, configured by the `config.yaml` of its state tree -- with the `test_double` agent the package
ships (scripted by TEST_DOUBLE_SCRIPT) instead of Claude Code or Codex. The person on the other side of
the thread is a second user, speaking through the worker package's own BlobHub client.

Prints one JSON line per check, {"check": name, "ok": bool, "detail": ...}, as sdk_checks.py does. The
checks are the steps of one conversation, in order.

Environment: BLOBHUB_API_URL, BLOBHUB_API_KEY (the worker's user), COMPAT_HUMAN_KEY (the person's),
COMPAT_ORG, COMPAT_AGENT_BLOB, COMPAT_SESSION (an alias), HOME (a scratch home for the worker's state).
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import yaml
from blobhub_worker import statestore
from blobhub_worker.blobhub_client.client import BlobhubClient

ORG = os.environ["COMPAT_ORG"]
BLOB = os.environ["COMPAT_AGENT_BLOB"]
SESSION = os.environ["COMPAT_SESSION"]
API_URL = os.environ["BLOBHUB_API_URL"]
WORKER_KEY = os.environ["BLOBHUB_API_KEY"]
HUMAN_KEY = os.environ["COMPAT_HUMAN_KEY"]
WORKER_BIN = Path(sys.executable).with_name("blobhub-worker")

THREAD = "projects/report-1/chat"
INPUT_ALIAS = "projects/report-1/inputs/notes@v1.txt"
ARTIFACT_PREFIX = "projects/report-1/artifacts/"
NOTES = b"line one\nline two\n"
WAIT_SECONDS = 90


def expect(condition, detail):
    if not condition:
        raise AssertionError(detail)


class Conversation:
    """What the checks share: the person's client, the ids they resolved, the running worker."""

    def __init__(self, work: Path):
        self.work = work
        self.folder = work / "repo"
        self.folder.mkdir()
        self.human = BlobhubClient(HUMAN_KEY, API_URL)
        self.worker: subprocess.Popen | None = None
        self.worker_log = work / "worker.log"
        self.revision_id = ""
        self.session_id = ""
        self.worker_user_id = ""

    async def items(self, alias):
        page = await self.human.list_session_thread_items(self.revision_id, self.session_id, alias, ascending=True, limit=1000)
        return page["items"]

    async def until(self, what, probe, alias=None):
        """Polls `probe` until it answers something truthy; the worker works at its own pace."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            answer = await probe()
            if answer:
                return answer
            if self.worker is not None and self.worker.poll() is not None:
                raise AssertionError(f"the worker exited ({self.worker.returncode}) before {what}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                seen = [(metadata_type(i), i["content"]) for i in await self.items(alias)] if alias else []
                raise AssertionError(f"no {what} within {WAIT_SECONDS}s; items {seen}; worker log:\n{self.log_tail()}")
            await asyncio.sleep(0.3)

    async def item_where(self, alias, what, predicate):
        async def probe():
            return next((item for item in await self.items(alias) if predicate(item)), None)

        return await self.until(what, probe, alias)

    async def envelope(self, alias):
        return (await self.human.download_session_object(self.revision_id, self.session_id, alias)) or {}

    def log_tail(self):
        return self.worker_log.read_text(errors="replace")[-4000:] if self.worker_log.exists() else ""


def metadata_type(item):
    return (item.get("metadata") or {}).get("type")


def agent_script(path: Path):
    """Two turns of the scripted agent: the first reads the attachment and writes a report into its outbox."""
    path.write_text(json.dumps({"turns": [
        {"match": "Summarize", "thinking": "Reading the notes.", "text": "Summary: two lines.",
         "files": {"out/report-1/summary.md": "# Summary\n\ntwo lines\n"}, "usage": {"input_tokens": 12, "output_tokens": 5}},
        {"match": "Thanks", "text": "You are welcome."},
        {"match": "colour", "text": "Let me ask.", "prompt": {"kind": "ask_user_question", "questions": [
            {"question": "Which colour?", "header": "Colour", "multiSelect": False,
             "options": [{"label": "red", "description": "warm"}, {"label": "blue", "description": "cool"}]}]}},
    ]}))


def write_config(settings_tree: Path):
    """The worker's config.yaml: one section following the blob's default revision, the session by alias."""
    settings_tree.mkdir(parents=True, exist_ok=True)
    (settings_tree / "config.yaml").write_text(yaml.safe_dump({
        "polling": {"interval_idle_ms": 300, "interval_active_ms": 300, "backoff_max_ms": 2000},
        "sections": [{
            "name": "reports",
            "job_type": "session_agent_harness",
            "session": {"org_id": ORG, "blob_id": BLOB, "revision_id": "default", "session_id": SESSION,
                        "session_prefix": "projects/"},
        }],
    }))


async def run_checks(c: Conversation):
    async def resolves_the_session_as_the_person():
        revision = await c.human.resolve_revision(ORG, BLOB, "default")
        expect(revision and revision["phase"] in ("draft", "managed") and revision["status"] == "ready", revision)
        c.revision_id = revision["id"]
        expect(await c.human.resolve_revision(ORG, BLOB, "999") is None, "a missing revision is not told apart")
        session = await c.human.get_session(c.revision_id, SESSION)
        expect(session and session["status"] == "open", session)
        c.session_id = session["id"]
        return c.session_id

    async def starts_and_attaches_to_the_session():
        whoami = subprocess.run([str(WORKER_BIN), "whoami", "--json"], capture_output=True, text=True, timeout=60)
        expect(whoami.returncode == 0, whoami.stderr or whoami.stdout)
        tree = Path(json.loads(whoami.stdout.strip().splitlines()[-1])["state_directory"])
        expect(tree == statestore.key_tree(statestore.key_digest(WORKER_KEY)), tree)
        write_config(tree)
        script = c.work / "agent.json"
        agent_script(script)
        env = {**os.environ, "TEST_DOUBLE_SCRIPT": str(script)}
        env.pop("COMPAT_HUMAN_KEY", None)
        c.worker = subprocess.Popen([str(WORKER_BIN), "-v", "start"], env=env, stdout=c.worker_log.open("wb"), stderr=subprocess.STDOUT)
        await c.until("worker object", lambda: c.envelope("worker"))
        attached = await c.item_where("worker", "attached item", lambda i: metadata_type(i) == "attached")
        value = (await c.envelope("worker"))["value"]
        owner = value["thread"]["metadata"]["user"]["user_id"]
        expect(value["type"] == "thread" and owner == attached["user_id"], value)
        expect(value["thread"]["metadata"]["instance"]["status"] == "attached", value)
        c.worker_user_id = owner
        return owner

    async def takes_up_a_pending_thread_and_marks_it_active():
        uploaded = await c.human.upload_session_file(c.revision_id, c.session_id, INPUT_ALIAS, NOTES, name="notes.txt", content_type="text/plain")
        expect(uploaded["value"]["file"]["size"] == len(NOTES), uploaded)
        await c.human.upload_session_object(c.revision_id, c.session_id, THREAD, {"type": "thread", "thread": {
            "attributes": {"name": "report"},
            "metadata": {
                "agent": {"type": "test_double", "permissions": "autonomous"},
                "workspace": {"work_folder": str(c.folder)},
                "artifacts": {"prefix": ARTIFACT_PREFIX, "outbox": "out/report-1"},
                "instance": {"state": "pending"},
            },
        }})

        async def active():
            value = (await c.envelope(THREAD)).get("value") or {}
            return value.get("thread", {}).get("metadata", {}).get("instance", {}).get("state") == "active"

        await c.until("active thread", active)

        async def audited():
            # the worker marks the thread active before it posts its thread_active audit item
            audit = [(metadata_type(i), (i.get("metadata") or {}).get("thread", {}).get("alias")) for i in await c.items("worker")]
            return audit if ("thread_registered", THREAD) in audit and ("thread_active", THREAD) in audit else None

        return await c.until("thread_registered and thread_active audit items", audited)

    async def reads_a_message_with_an_attached_file_and_replies():
        posted = await c.human.post_session_thread_item(c.revision_id, c.session_id, THREAD, [
            {"type": "text", "text": "Summarize the attached notes."},
            {"type": "file", "file": {"alias": INPUT_ALIAS, "name": "notes.txt", "content_type": "text/plain", "size": len(NOTES)}},
        ])
        reply = await c.item_where(THREAD, "reply", lambda i: metadata_type(i) == "text" and i["user_id"] == c.worker_user_id)
        expect(reply["content"][0]["text"] == "Summary: two lines.", reply)
        turn_end = await c.item_where(THREAD, "turn end", lambda i: metadata_type(i) == "turn_end")
        expect(turn_end["metadata"]["status"] == "completed", turn_end)
        # the worker downloaded the attachment into the thread's inbox, where the agent was told to read it
        inbox = [p for p in (c.folder / ".blobhub" / "inbox" / posted["id"]).iterdir()]
        expect([p.read_bytes() for p in inbox] == [NOTES], inbox)
        return [metadata_type(i) for i in await c.items(THREAD)]

    async def publishes_the_agents_outbox_as_session_files():
        published = await c.item_where(THREAD, "artifacts_published item", lambda i: metadata_type(i) == "artifacts_published")
        alias = ARTIFACT_PREFIX + "summary.md"
        expect(published["metadata"]["aliases"] == [alias], published)
        block = published["content"][1]["file"]
        expect(block["alias"] == alias and block["content_type"].startswith("text/"), block)
        envelope, data = await c.human.download_session_file(c.revision_id, c.session_id, alias)
        expect(data == b"# Summary\n\ntwo lines\n" and envelope["value"]["file"]["name"] == "summary.md", envelope)
        listed = await c.human.list_session_objects(c.revision_id, c.session_id, prefix=ARTIFACT_PREFIX)
        expect([o["alias"] for o in listed["objects"]] == [alias], listed)
        return alias

    async def answers_a_later_message_in_the_same_thread():
        await c.human.post_session_thread_item(c.revision_id, c.session_id, THREAD, [{"type": "text", "text": "Thanks!"}])
        reply = await c.item_where(THREAD, "second reply", lambda i: metadata_type(i) == "text" and i["content"][0]["text"] == "You are welcome.")
        replies = [i for i in await c.items(THREAD) if metadata_type(i) == "text"]
        expect(len(replies) == 2, replies)
        item = await c.human.get_session_thread_item(c.revision_id, c.session_id, THREAD, reply["id"])
        expect(item == reply, item)
        return reply["id"]

    async def asks_the_person_and_goes_on_with_their_answer():
        await c.human.post_session_thread_item(c.revision_id, c.session_id, THREAD, [{"type": "text", "text": "Pick a colour for the report."}])
        asked = await c.item_where(THREAD, "pending_prompt item", lambda i: metadata_type(i) == "pending_prompt")
        expect(asked["metadata"]["prompt"]["questions"][0]["question"] == "Which colour?", asked)
        await c.human.post_session_thread_item(c.revision_id, c.session_id, THREAD, [{"type": "text", "text": "blue"}])
        resolved = await c.item_where(THREAD, "pending_prompt_resolved item", lambda i: metadata_type(i) == "pending_prompt_resolved")
        expect(resolved["metadata"]["prompt"]["prompt_id"] == asked["metadata"]["prompt"]["prompt_id"], resolved)
        expect("blue" in json.dumps(resolved["metadata"]), resolved)

        async def third_turn_ended():
            return len([i for i in await c.items(THREAD) if metadata_type(i) == "turn_end"]) == 3

        await c.until("the asking turn's end", third_turn_ended, THREAD)
        return resolved["metadata"]["prompt"]

    async def stops_when_the_thread_is_completed():
        value = (await c.envelope(THREAD))["value"]
        value["thread"]["metadata"]["instance"] = {"state": "completed"}
        await c.human.upload_session_object(c.revision_id, c.session_id, THREAD, value)
        done = await c.item_where("worker", "thread_completed item", lambda i: metadata_type(i) == "thread_completed")
        return done["metadata"]["thread"]

    async def marks_itself_detached_when_stopped():
        c.worker.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(c.worker.wait, WAIT_SECONDS)
        expect(code == 0, f"exit {code}:\n{c.log_tail()}")
        instance = (await c.envelope("worker"))["value"]["thread"]["metadata"]["instance"]
        expect(instance["status"] == "detached", instance)
        events = await c.human.list_session_events(c.revision_id, c.session_id, ascending=True, limit=1000)
        types = {e["type"] for e in events["session_events"]}
        expect({"session_object_modified", "session_thread_item_posted"} <= types, types)
        return instance

    for step in (resolves_the_session_as_the_person, starts_and_attaches_to_the_session, takes_up_a_pending_thread_and_marks_it_active,
                 reads_a_message_with_an_attached_file_and_replies, publishes_the_agents_outbox_as_session_files,
                 answers_a_later_message_in_the_same_thread, asks_the_person_and_goes_on_with_their_answer,
                 stops_when_the_thread_is_completed, marks_itself_detached_when_stopped):
        try:
            detail = await step()
            print(json.dumps({"check": step.__name__, "ok": True, "detail": detail}, default=str), flush=True)
        except Exception as error:  # reported; the later steps still run and say what they can
            detail = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=4)}"
            print(json.dumps({"check": step.__name__, "ok": False, "detail": detail}), flush=True)


async def main():
    with tempfile.TemporaryDirectory() as work:
        c = Conversation(Path(work))
        try:
            await run_checks(c)
        finally:
            if c.worker is not None and c.worker.poll() is None:
                c.worker.kill()
            await c.human.aclose()


if __name__ == "__main__":
    asyncio.run(main())
