"""The stream paths for `streamproof audit`: one model (what `--format json` prints), drawn
as text for a terminal and as a Mermaid flowchart in markdown."""

from __future__ import annotations

import os
from typing import Any

from linter.stack.model import Hop, Limit, StackPath, Where

LIMITS = (
    ("read", "read"),
    ("idle", "idle keep-alive to next"),
    ("own_idle", "own keep-alive"),
    ("total", "total"),
    ("pings", "heartbeat"),
)


def _shown(path: str, root: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/") if os.path.isabs(path) else path


def _where(place: Where | None, root: str) -> str | None:
    return f"{_shown(place.path, root)}:{place.line}" if place is not None else None


def _limit(limit: Limit | None, root: str) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {
        "seconds": limit.seconds,
        "text": limit.text,
        "origin": limit.origin,
        "at": _where(limit.place, root),
        "none": limit.none,
    }


def _hop(hop: Hop, root: str) -> dict[str, Any]:
    found: dict[str, Any] = {"layer": hop.layer, "name": hop.name, "at": _where(hop.anchor, root)}
    for attribute, _ in LIMITS:
        found[attribute] = _limit(getattr(hop, attribute), root)
    return found


def _advice(path: StackPath, cut: int | None, silence: float) -> str:
    if cut is None:
        return "no read limit on this path is known"
    hop = path.hops[cut]
    assert hop.read is not None and hop.read.seconds is not None
    if hop.read.seconds >= silence:
        return (
            f"a silence longer than {hop.read.seconds:g}s is cut at {hop.name}; that is within "
            f"the stream budget (max-silence {silence:g}s)"
        )
    where = f" ({_where(hop.read.place, '')})" if hop.read.place is not None else ""
    if not path.streamed:
        # A plain answer: no heartbeat reaches it; the app's own wait is what to cover.
        behind = max((h.read.seconds or 0 for h in path.hops[cut + 1 :] if h.read), default=0)
        return (
            f"raise {hop.read.text}{where} to at least {behind or silence:g}s (the "
            "route does not stream: it waits for the app's own LLM call), or stream the answer"
        )
    if hop.layer == "gateway":
        # A cap on the whole answer: heartbeats do not lift it.
        return f"raise {hop.read.text}{where} above the longest answer, or remove the cap (0s)"
    return (
        f"raise {hop.read.text}{where} to at least {silence:g}s (max-silence), or have a layer "
        f"behind it send heartbeats more often than every {hop.read.seconds:g}s"
    )


def model(
    paths: list[StackPath], notes: list[str], root: str, silence: float
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for path in paths:
        cut = path.cut_first()
        advice = _advice(path, cut, silence)
        if cut is not None and path.hops[cut].read is not None:
            place = path.hops[cut].read.place  # type: ignore[union-attr]
            if place is not None:
                advice = advice.replace(f"({_where(place, '')})", f"({_where(place, root)})")
        result.append(
            {
                "hops": [_hop(hop, root) for hop in path.hops],
                "links": [
                    {"evidence": link.evidence, "at": _where(link.place, root)}
                    for link in path.links
                ],
                "gap": path.gap,
                "streamed": path.streamed,
                "cuts_first": cut,
                "advice": advice,
            }
        )
    if notes:
        result.append(
            {
                "hops": [],
                "links": [],
                "gap": None,
                "cuts_first": None,
                "advice": "",
                "not_linked": notes,
            }
        )
    return result


def _value(limit: dict[str, Any] | None) -> str:
    if limit is None:
        return "-"
    at = f", {limit['at']}" if limit["at"] and limit["at"] not in limit["origin"] else ""
    return f"{limit['text']} ({limit['origin']}{at})"


def terminal(paths: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    number = 0
    for path in paths:
        if not path["hops"]:
            for note in path.get("not_linked", []):
                out.append(f"  not linked: {note}")
            continue
        number += 1
        plain = (
            ""
            if path.get("streamed", True)
            else " (not streamed: the app answers after its own LLM call)"
        )
        out.append(f"Path {number}:{plain}")
        for index, hop in enumerate(path["hops"]):
            mark = "  << cuts first" if index == path["cuts_first"] else ""
            out.append(f"  {index + 1}. [{hop['layer']}] {hop['name']}{mark}")
            for attribute, label in LIMITS:
                if hop[attribute] is not None:
                    out.append(f"       {label}: {_value(hop[attribute])}")
            if index < len(path["links"]):
                out.append(f"     | {path['links'][index]['evidence']}")
        if path["gap"]:
            out.append(f"     x not linked further: {path['gap']}")
        out.append(f"  To change: {path['advice']}")
        out.append("")
    return out


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("`", "").replace("\n", " ")


def markdown(paths: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    number = 0
    for path in paths:
        if not path["hops"]:
            notes = path.get("not_linked", [])
            if notes:
                out += ["### Not linked", ""] + [f"- {note}" for note in notes] + [""]
            continue
        number += 1
        plain = "" if path.get("streamed", True) else " (not streamed)"
        out += [f"### Path {number}{plain}", "", "```mermaid", "flowchart LR"]
        for index, hop in enumerate(path["hops"]):
            lines = [f"{hop['layer']}: {hop['name']}"]
            for attribute, label in LIMITS:
                limit = hop[attribute]
                if limit is not None:
                    lines.append(f"{label}: {limit['text']}")
            label_text = "<br/>".join(_mermaid_text(line) for line in lines)
            out.append(f'  h{index}["{label_text}"]')
        for index in range(len(path["hops"]) - 1):
            evidence = path["links"][index]["at"] if index < len(path["links"]) else None
            arrow = f' -- "{_mermaid_text(evidence)}" --> ' if evidence else " --> "
            out.append(f"  h{index}{arrow}h{index + 1}")
        if path["gap"]:
            out.append(f'  gap["not linked: {_mermaid_text(path["gap"])}"]')
            out.append(f"  h{len(path['hops']) - 1} -.-> gap")
        if path["cuts_first"] is not None:
            out.append("  classDef cut fill:#fdd,stroke:#c00,stroke-width:2px")
            out.append(f"  class h{path['cuts_first']} cut")
        out += ["```", ""]
        out.append("| hop | read | idle keep-alive to next | own keep-alive | total | heartbeat |")
        out.append("|---|---|---|---|---|---|")
        for index, hop in enumerate(path["hops"]):
            mark = " **(cuts first)**" if index == path["cuts_first"] else ""
            cells = [_value(hop[attribute]).replace("|", "\\|") for attribute, _ in LIMITS]
            out.append(
                f"| {index + 1}. {hop['layer']}: {hop['name']}{mark} | " + " | ".join(cells) + " |"
            )
        out.append("")
        for link in path["links"]:
            out.append(f"- link: {link['evidence']}")
        if path["gap"]:
            out.append(f"- not linked further: {path['gap']}")
        out += ["", f"**To change:** {path['advice']}", ""]
    return out
