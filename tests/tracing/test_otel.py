"""OTLP/HTTP export against a tiny collector on 127.0.0.1 (no network)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("opentelemetry.sdk")
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402

from roboskill.cli.main import app  # noqa: E402
from roboskill.config import load_settings  # noqa: E402
from roboskill.tracing import Tracer  # noqa: E402
from tests.tracing.fake_run import RUN_ID, SECRET, make_fake_run  # noqa: E402


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def collector() -> Iterator[tuple[str, list]]:
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Collector.received
    server.shutdown()
    server.server_close()


def _spans(received: list) -> list:
    out = []
    for path, ctype, body in received:
        assert path == "/v1/traces" and ctype == "application/x-protobuf"
        req = ExportTraceServiceRequest.FromString(body)
        for rs in req.resource_spans:
            for ss in rs.scope_spans:
                out.extend(ss.spans)
    return out


def test_export_command_sends_all_spans(collector: tuple[str, list]) -> None:
    url, received = collector
    make_fake_run(load_settings().runs_root, with_media=False)
    res = CliRunner().invoke(app, ["traces", "export", RUN_ID, "--format", "otlp", "--endpoint", url])
    assert res.exit_code == 0, res.output
    spans = _spans(received)
    assert len(spans) == int(res.output.split()[1]) > 10
    names = {s.name for s in spans}
    assert "run " + RUN_ID in names and "node write_rewards" in names
    ids = {s.span_id for s in spans}
    assert all(s.parent_span_id in ids for s in spans if s.parent_span_id)
    assert len({s.trace_id for s in spans}) == 1
    llm = [s for s in spans if s.name.startswith("llm ")][0]
    attrs = {a.key: a.value for a in llm.attributes}
    assert attrs["gen_ai.usage.input_tokens"].int_value == 10
    assert attrs["openinference.span.kind"].string_value == "LLM"
    assert SECRET.encode() not in b"".join(body for _, _, body in received)


def test_export_reports_unreachable_endpoint() -> None:
    make_fake_run(load_settings().runs_root, with_media=False)
    res = CliRunner().invoke(app, ["traces", "export", RUN_ID, "--format", "otlp", "--endpoint", "http://127.0.0.1:9"])
    assert res.exit_code == 1 and "cannot reach OTLP endpoint http://127.0.0.1:9/v1/traces" in res.output


def test_live_mirror_from_env(collector: tuple[str, list], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, received = collector
    monkeypatch.setenv("ROBOSKILL_OTLP_ENDPOINT", url)
    tracer = Tracer(tmp_path / "t.sqlite", "live")
    assert tracer._mirror is not None
    with tracer.span("node", "propose", task_id="t1"):
        tracer.event("decision", "critic", action="accept")
    tracer.close()  # flushes the batch
    spans = _spans(received)
    assert sorted(s.name for s in spans) == ["decision critic", "node propose"]
