"""A command-line chat client for the proxy in ../nginx."""

import json

import requests
from openai import OpenAI

client = OpenAI(base_url="http://localhost:8080/v1", api_key="sk-local")


def ask(question: str) -> str:
    stream = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        stream=True,
    )
    parts = []
    for chunk in stream:
        text = chunk.choices[0].delta.content or ""
        print(text, end="", flush=True)
        parts.append(text)
    return "".join(parts)


def ask_raw(question: str) -> None:
    response = requests.post(
        "http://localhost:8080/v1/chat/completions",
        json={"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": question}]},
        stream=True,
    )
    for line in response.iter_lines():
        if line.startswith(b"data: ") and line != b"data: [DONE]":
            delta = json.loads(line[6:])["choices"][0]["delta"]
            print(delta.get("content") or "", end="", flush=True)


if __name__ == "__main__":
    ask("Why do streamed answers arrive all at once behind NGINX?")
