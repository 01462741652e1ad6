"""How long streamproof takes on a large LiteLLM config (run it by hand; not a test).

    .venv/bin/python tests/litellm/bench_large_config.py [megabytes]

Writes a config of the given size (8 MB by default: ~40,000 deployments, comments, anchors),
checks it in-process three times and prints the best wall and CPU time in seconds per
megabyte (CPU time does not depend on what else the machine runs). The requirement is "well
under a second per megabyte".
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ENTRY = """\
  - model_name: gpt-4o-{i}  # deployment {i}
    litellm_params:
      <<: *common
      model: openai/gpt-4o
      api_base: "https://gateway-{i}.example.com/v1"
      stream_timeout: 600
{cap}    model_info:
      mode: chat
      description: 'deployment number {i} # not a comment'
"""


def write_config(path: Path, megabytes: float = 8.0) -> int:
    """Write a config of at least ``megabytes``; return how many deployments it has. Every
    third deployment has no max_tokens (LIT003) and the last has a short stream timeout."""
    target = int(megabytes * 1024 * 1024)
    parts = ["x-common: &common\n  api_key: os.environ/OPENAI_API_KEY\n\nmodel_list:\n"]
    size = len(parts[0])
    count = 0
    while size < target:
        cap = "" if count % 3 == 0 else "      max_tokens: 4096\n"
        part = ENTRY.format(i=count, cap=cap)
        parts.append(part)
        size += len(part)
        count += 1
    parts[-1] = parts[-1].replace("stream_timeout: 600", "stream_timeout: 5")
    parts.append("router_settings:\n  num_retries: 2\n  timeout: 600\n")
    path.write_text("".join(parts))
    return count


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from helpers import lint

    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        deployments = write_config(config, megabytes)
        size = config.stat().st_size / (1024 * 1024)
        best = best_cpu = float("inf")
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = lint([config], cwd=folder)
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - started_cpu)
        print(
            f"{size:.1f} MB, {deployments} deployments, {len(result.findings)} findings: "
            f"best of 3: wall {best:.2f} s = {best / size:.3f} s/MB, "
            f"CPU {best_cpu:.2f} s = {best_cpu / size:.3f} s/MB "
            f"(load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
        )


if __name__ == "__main__":
    main()
