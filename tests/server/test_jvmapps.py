"""Spring handlers read by shape (linter/server/jvmapps.py): which handlers stream, and at
which paths."""

from __future__ import annotations

from pathlib import Path

from linter.server.jvmapps import app_evidence, file_evidence

JAVA = """
package org.example;

@RestController
@RequestMapping(value = "/v2/agents")
public class AgentController {

    @GetMapping("/{id}")
    public Agent get(@PathVariable String id) { return agents.get(id); }

    @RequestMapping(path = {"/run", "/execute"}, method = RequestMethod.POST,
            produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<String> run(@RequestBody Task task) { return agents.run(task); }

    @GetMapping(value = "/{id}/events")
    public Flux<ServerSentEvent<Step>> events(@PathVariable String id) { return steps(id); }

    @PostMapping("/report")
    public StreamingResponseBody report() { return out -> out.write(1); }
}
"""

KOTLIN = """
@RestController
@RequestMapping(ApiPaths.CHAT)
class ChatController(private val chat: ChatService) {
    @PostMapping("/stream")
    fun stream(@RequestBody q: Question): SseEmitter = chat.stream(q)
}
"""


def test_produces_and_return_types_make_a_handler_stream_with_its_joined_paths() -> None:
    found = file_evidence(JAVA, "AgentController.java")
    assert [(e.route, e.line) for e in found] == [
        ("/v2/agents/run", 11),
        ("/v2/agents/execute", 11),
        ("/v2/agents/{id}/events", 15),
    ]
    assert "produces" in found[0].what and "ServerSentEvent" in found[2].what
    assert not any(e.unbuffered for e in found)


def test_a_constant_class_mapping_leaves_the_path_unknown() -> None:
    found = file_evidence(KOTLIN, "ChatController.kt")
    assert [(e.route, "SseEmitter" in e.what) for e in found] == [(None, True)]


def test_a_file_download_or_json_handler_is_no_stream() -> None:
    text = """
@RestController
@RequestMapping("/files")
class Files {
    @GetMapping(value = "/{id}", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public ResponseEntity<Resource> get(String id) { return null; }
}
"""
    assert file_evidence(text, "Files.java") == []


def test_the_context_path_of_application_yaml_goes_in_front(tmp_path: Path) -> None:
    source = tmp_path / "src/main/java/org/example/A.java"
    source.parent.mkdir(parents=True)
    source.write_text(
        '@RestController\n@RequestMapping("/chat")\nclass A {\n'
        '    @PostMapping(value = "/s", produces = "text/event-stream")\n'
        "    public SseEmitter s() { return null; }\n"
        '    void unbuffered(HttpServletResponse r) { r.setHeader("X-Accel-Buffering", "no"); }\n}\n'
    )
    resources = tmp_path / "src/main/resources"
    resources.mkdir(parents=True)
    (resources / "application.yml").write_text("server:\n  servlet:\n    context-path: /api\n")
    found = app_evidence(str(tmp_path), "svc")
    assert [(e.route, e.unbuffered, e.path) for e in found] == [
        ("/api/chat/s", True, "svc/src/main/java/org/example/A.java")
    ]
    # A context path from a variable: where the handlers sit is not known.
    (resources / "application.yml").write_text(
        "server:\n  servlet:\n    context-path: ${BASE_PATH:/api}\n"
    )
    assert [e.route for e in app_evidence(str(tmp_path), "svc")] == [None]
    # Tests are not the app's handlers.
    test = tmp_path / "src/test/java/org/example/ATest.java"
    test.parent.mkdir(parents=True)
    test.write_text(source.read_text())
    assert len(app_evidence(str(tmp_path), "svc")) == 1


def test_a_kotlin_expression_body_ends_at_the_next_annotation() -> None:
    text = """
@RestController
@RequestMapping("/chat")
class ChatController(private val chat: ChatService) {
    @PostMapping("/ask")
    fun ask(@RequestBody q: Question): Reply = chat.ask(q)

    @PostMapping("/stream")
    fun stream(@RequestBody q: Question): Flux<ServerSentEvent<String>> = chat.stream(q)
}
"""
    assert [e.route for e in file_evidence(text, "ChatController.kt")] == ["/chat/stream"]
