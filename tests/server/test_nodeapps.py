"""Streaming evidence read from JS/TS backends by literal shapes (linter/server/nodeapps.py):
each shape found with its line and route path, and the look-alikes left alone."""

from __future__ import annotations

from pathlib import Path

from linter.server.nodeapps import app_evidence, file_evidence


def evidence(text: str, relative: str = "src/server.ts") -> list[tuple[str, int, str, bool]]:
    return [(e.what, e.line, e.route, e.unbuffered) for e in file_evidence(text, "x", relative)]


def test_express_sse_header_with_its_route() -> None:
    text = (
        "const app = express();\n"
        "app.get('/health', (req, res) => res.send('ok'));\n"
        "app.post('/api/chat', async (req, res) => {\n"
        "  res.writeHead(200, { 'Content-Type': 'text/event-stream' });\n"
        "});\n"
    )
    assert evidence(text) == [
        ("`Content-Type: text/event-stream` set on the response", 4, "/api/chat", False)
    ]


def test_for_await_loop_writing_chunks_is_reported_at_the_loop() -> None:
    text = (
        "router.post('/stream', async (req, res) => {\n"
        "  const stream = await openai.chat.completions.create({ stream: true });\n"
        "  for await (const chunk of stream) {\n"
        "    const delta = chunk.choices[0]?.delta?.content ?? '';\n"
        "    res.write(delta);\n"
        "  }\n"
        "});\n"
    )
    found = evidence(text)
    assert [(what.split(" ")[1], line, route) for what, line, route, _ in found] == [
        ("`for", 3, "/stream")
    ]


def test_for_await_loop_that_only_collects_is_not_a_stream() -> None:
    text = (
        "app.post('/api/chat', async (req, res) => {\n"
        "  let all = '';\n"
        "  for await (const chunk of stream) {\n"
        "    all += chunk.choices[0].delta.content;\n"
        "  }\n"
        "  res.json({ all });\n"
        "});\n"
    )
    assert evidence(text) == []


def test_nest_controller_and_method_give_the_route() -> None:
    text = (
        "@Controller('api/conversations')\n"
        "export class C {\n"
        "  @Post('/')\n"
        "  async create(@Res() res: any) {\n"
        "    res.setHeader('Content-Type', 'text/event-stream');\n"
        "    res.setHeader('X-Accel-Buffering', 'no');\n"
        "  }\n"
        "  @Sse('events')\n"
        "  events() {}\n"
        "}\n"
    )
    assert [(line, route, unbuffered) for _, line, route, unbuffered in evidence(text)] == [
        (5, "/api/conversations", True),
        (8, "/api/conversations/events", True),
    ]


def test_next_route_handler_with_the_ai_sdk_takes_its_files_path() -> None:
    text = (
        "import { streamText } from 'ai';\n"
        "export async function POST(req: Request) {\n"
        "  const result = streamText({ model, messages });\n"
        "  return result.toDataStreamResponse();\n"
        "}\n"
    )
    assert evidence(text, "src/app/(chat)/api/chat/[id]/route.ts") == [
        ("the AI SDK's `toDataStreamResponse(...)`", 4, "/api/chat", False)
    ]
    assert evidence(text, "pages/api/stream.ts")[0][2] == "/api/stream"


def test_client_code_asking_for_a_stream_is_not_a_server_streaming() -> None:
    text = (
        "const r = await fetch('/api/chat', { headers: { Accept: 'text/event-stream' } });\n"
        "const source = new EventSource('/api/events');\n"
        "// Content-Type text/event-stream is what the server sends\n"
    )
    assert evidence(text) == []


def test_the_walk_reads_server_sources_only(tmp_path: Path) -> None:
    sse = "res.setHeader('Content-Type', 'text/event-stream');\n"
    for name in (
        "src/routes/chat.ts",
        "node_modules/lib/index.js",
        "dist/main.js",
        "src/routes/chat.test.ts",
        "src/components/Chat.tsx",
    ):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sse)
    found = app_evidence(str(tmp_path), "api")
    assert [(e.path, e.line) for e in found] == [("api/src/routes/chat.ts", 1)]


_NEST_CONTROLLER_SOURCE = """
@Controller('chat')
export class ChatController {
  @Sse('events')
  events() {}
}
"""


def _nest_app(tmp_path: Path, main: str) -> Path:
    (tmp_path / "package.json").write_text("{}")
    src = tmp_path / "src"
    src.mkdir()
    (src / "main.ts").write_text(main)
    (src / "chat.controller.ts").write_text(_NEST_CONTROLLER_SOURCE)
    return tmp_path


def test_nest_global_prefix_is_put_before_the_controllers_routes(tmp_path: Path) -> None:
    app = _nest_app(
        tmp_path, "const app = await NestFactory.create(M);\napp.setGlobalPrefix('api');\n"
    )
    assert [e.route for e in app_evidence(str(app), ".")] == ["/api/chat/events"]


def test_nest_global_prefix_with_exclusions_is_not_applied(tmp_path: Path) -> None:
    main = "app.setGlobalPrefix('api', { exclude: ['chat/events'] });\n"
    app = _nest_app(tmp_path, main)
    assert [e.route for e in app_evidence(str(app), ".")] == ["/chat/events"]


def test_global_prefix_does_not_touch_express_routes(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "main.ts").write_text("app.setGlobalPrefix('api');\n")
    (tmp_path / "server.js").write_text(
        "app.get('/events', (req, res) => {\n"
        "  res.setHeader('Content-Type', 'text/event-stream');\n"
        "});\n"
    )
    assert [e.route for e in app_evidence(str(tmp_path), ".")] == ["/events"]
