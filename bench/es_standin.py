"""An instant Elasticsearch stand-in for load tests: records real answers, then replays them.

It starts in record mode, forwarding every request to UPSTREAM (the dev engine) and keeping each
answer under (method, path, body hash) and under (method, path). `POST /__standin/replay` switches
it to replay mode: an exact request gets its recorded answer, any other request to a recorded
path gets that path's answers in turn, anything else a 404. It stands in for the engine only, so
that Tandem's own work is all that a load test measures. Used by bench/bench_load.py --instant.

Usage: python bench/es_standin.py UPSTREAM PORT
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import sys
from collections.abc import Iterator

import httpx

Answer = tuple[int, bytes, bytes]  # status, content type, body
KEPT_HEADERS = ("content-type", "accept", "authorization")


class Recordings:
    def __init__(self) -> None:
        self.exact: dict[tuple[str, str, str], Answer] = {}
        self.by_path: dict[tuple[str, str], list[Answer]] = {}
        self.turns: dict[tuple[str, str], Iterator[Answer]] = {}

    def add(self, method: str, path: str, body: bytes, answer: Answer) -> None:
        self.exact[(method, path, hashlib.sha1(body).hexdigest())] = answer
        self.by_path.setdefault((method, path), []).append(answer)

    def find(self, method: str, path: str, body: bytes) -> Answer | None:
        found = self.exact.get((method, path, hashlib.sha1(body).hexdigest()))
        if found is not None or (method, path) not in self.by_path:
            return found
        turn = self.turns.setdefault((method, path), itertools.cycle(self.by_path[(method, path)][-50:]))
        return next(turn)


class StandIn:
    def __init__(self, upstream: str) -> None:
        self.recordings = Recordings()
        self.replaying = False
        self.upstream = httpx.AsyncClient(base_url=upstream, timeout=120.0)

    async def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        path = target.split("?", 1)[0]
        if path == "/__standin/replay":
            self.replaying = True
            keys = len(self.recordings.exact)
            return 200, b"application/json", f'{{"replaying": true, "recorded": {keys}}}'.encode()
        if self.replaying:
            found = self.recordings.find(method, path, body)
            return found or (404, b"application/json", b'{"error": "not recorded", "status": 404}')
        forwarded = {name: headers[name] for name in KEPT_HEADERS if name in headers}
        response = await self.upstream.request(method, target, content=body, headers=forwarded)
        answer = (response.status_code, response.headers.get("content-type", "").encode(), response.content)
        self.recordings.add(method, path, body, answer)
        return answer

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, content_type, payload = await self.answer(method, target, headers, body)
                writer.write(
                    b"HTTP/1.1 %d X\r\ncontent-type: %s\r\nx-elastic-product: Elasticsearch\r\n"
                    b"content-length: %d\r\n\r\n" % (status, content_type, 0 if method == "HEAD" else len(payload))
                )
                if method != "HEAD":
                    writer.write(payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def main(upstream: str, port: int) -> None:
    standin = StandIn(upstream)
    server = await asyncio.start_server(standin.serve, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
