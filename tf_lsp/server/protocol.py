"""The wire: reading LSP frames from a byte stream that may be damaged, and answering every request.

pygls' stdio loop trusts the stream: a missing or wrong ``Content-Length`` desynchronises it for good, and a request
whose params fail lsprotocol's type checks is only logged, never answered. Here:

- ``FrameReader`` reads whatever bytes are there and cuts frames itself. A header block that is not ``Name: value``
  lines with one ``Content-Length`` is discarded up to the next ``Content-Length:`` line. A raw
  ``Content-Length: N<CR?LF>`` can never occur inside a JSON text (a JSON string cannot hold a raw line break, and
  outside strings those letters are not JSON), so one seen inside a pending body proves the length was too large:
  the body is cut there. A body that does not parse at its stated length but parses with the bytes that follow it
  (up to the next header) had a length too small. Either way the next frame is read intact.
- ``TfLspProtocol`` answers what pygls would leave unanswered: unparseable JSON (-32700), a message that is not a
  JSON-RPC object (-32600), params that fail the type checks (-32602, with the request's id), requests before
  ``initialize`` (-32002 ServerNotInitialized; notifications then are dropped, ``exit`` excepted) and requests
  after ``shutdown`` (-32600).
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from threading import Event
from typing import Any, Awaitable, Callable

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger("tf_lsp.server")

MAX_BODY = 128 * 1024 * 1024         # a frame announcing more is refused (the bytes are skipped as garbage)
MAX_HEADER = 8 * 1024                # a header block is a few dozen bytes; more without a blank line is garbage
_HEADER_LINE = re.compile(rb"content-length:[ \t]*(\d+)[ \t]*\r?\n", re.IGNORECASE)
_BLANK = re.compile(rb"\r?\n\r?\n")
_FIELD = re.compile(rb"^[A-Za-z0-9-]+:[^\r\n]*$")
_ERR_PARSE, _ERR_INVALID_REQUEST, _ERR_INVALID_PARAMS = -32700, -32600, -32602


class FrameReader:
    """Frames (bodies as bytes) from ``read``, an awaitable giving the bytes available (``b""`` at end of stream)."""

    def __init__(self, read: Callable[[], Awaitable[bytes]]):
        self._read = read
        self.buf = bytearray()
        self.eof = False
        self.discarded = 0          # bytes thrown away while resynchronising (for logs and tests)

    async def _more(self) -> bool:
        if self.eof:
            return False
        chunk = await self._read()
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _discard(self, n: int, why: str) -> None:
        if n > 0:
            log.warning("framing: %s; %d byte(s) skipped up to the next Content-Length header", why, n)
            self.discarded += n
            del self.buf[:n]

    async def next_body(self) -> bytes | None:
        """The next frame's body; None at end of stream."""
        while True:
            length_and_end = self._header()
            if length_and_end is None:
                if not await self._more():
                    return None
                continue
            length, start = length_and_end
            body = await self._body(length, start)
            if body is not None:
                return body

    def _header(self) -> tuple[int, int] | None:
        """(length, offset of the body) when a valid header block is at the start of the buffer; resynchronises
        over garbage; None when more bytes are needed."""
        while True:
            m = _BLANK.search(self.buf)
            if m is None:
                if len(self.buf) > MAX_HEADER:
                    at = _HEADER_LINE.search(self.buf, 1)
                    self._discard(at.start() if at else len(self.buf) - 64, "no header block")
                    continue
                return None
            block = bytes(self.buf[:m.start()])
            lines = block.split(b"\n")
            lines = [ln.rstrip(b"\r") for ln in lines]
            lengths = [h.group(1) for ln in lines if (h := _HEADER_LINE.fullmatch(ln + b"\n"))]
            if lines and all(_FIELD.match(ln) for ln in lines) and len(lengths) == 1:
                length = int(lengths[0])
                if length <= MAX_BODY:
                    return length, m.end()
                self._discard(m.end(), f"Content-Length {length} is over the {MAX_BODY} byte limit")
                continue
            at = _HEADER_LINE.search(self.buf, 1, m.end())     # garbage, then a real header
            if at is not None:
                self._discard(at.start(), "bytes that are not a header before a Content-Length header")
            else:
                self._discard(m.end(), "a header block without one valid Content-Length")

    async def _body(self, length: int, start: int) -> bytes | None:
        """The body, or None when the frame was dropped (then the caller reads the next one)."""
        scanned = start
        while len(self.buf) < start + length:
            fresh = bytes(self.buf[max(start, scanned - 32):])
            scanned = len(self.buf)
            if any(mark in fresh for mark in _FRAME_MARKS):          # cheap test before any parse
                cut = self._cut_too_long(length, start)
                if cut is not False:
                    return cut
            if not await self._more():
                self._discard(len(self.buf), "the stream ended inside a frame")
                return None
        body = bytes(self.buf[start:start + length])
        if _parses(body):
            del self.buf[:start + length]
            return body
        cut = self._cut_too_long(length, start)
        if cut is not False:
            return cut
        longer = _longer_body(self.buf, start)                   # length too small?
        if longer is not None:
            log.warning("framing: Content-Length %d is smaller than the body (%d bytes); the body is used",
                        length, len(longer))
            del self.buf[:start + len(longer)]
            return longer
        del self.buf[:start + length]
        return body                                               # the protocol answers the parse error

    def _cut_too_long(self, length: int, start: int):
        """Proof that the stated length is too large, from the bytes so far: a complete JSON value followed by more
        bytes (a body is one object, so no proper prefix of it is a complete value), or a raw ``Content-Length``
        line (impossible inside JSON text). Returns the body, None (frame dropped), or False (no proof yet)."""
        pending = bytes(self.buf[start:start + length])
        try:
            _, end = _DECODER.raw_decode(pending.decode("utf-8", "replace").lstrip())
            text = pending.decode("utf-8", "replace")
            offset = len(text) - len(text.lstrip()) + end
            used = len(text[:offset].encode("utf-8", "replace"))
            if pending[used:].strip():
                log.warning("framing: Content-Length %d is larger than the body (%d bytes); the body is used",
                            length, used)
                del self.buf[:start + used]
                return pending[:used]
        except (ValueError, RecursionError):
            pass
        at = _HEADER_LINE.search(self.buf, start)
        if at is not None and at.start() < start + length:
            dropped = at.start() - start
            log.warning("framing: a frame ends before its Content-Length (%d of %d bytes); it is dropped",
                        dropped, length)
            self.discarded += dropped
            del self.buf[:at.start()]
            return None
        return False


_DECODER = json.JSONDecoder()
_FRAME_MARKS = (b"Content-", b"content-", b"\r\n\r\n", b"\n\n")


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
        return True
    except (ValueError, RecursionError):
        return False


def _longer_body(buf: bytearray, start: int) -> bytes | None:
    """The bytes from ``start`` up to the next header (or the end of what has arrived), when they parse."""
    at = _HEADER_LINE.search(buf, start)
    end = at.start() if at is not None else len(buf)
    candidate = bytes(buf[start:end]).rstrip()
    return candidate if candidate and _parses(candidate) else None


class TfLspProtocol(LanguageServerProtocol):
    """pygls' LSP protocol, plus an answer for every request (see the module docstring)."""

    def __init__(self, server, converter):
        super().__init__(server, converter)
        self.initialize_seen = False

    def error(self, msg_id: Any, code: int, message: str) -> None:
        """An error response; an id that is not a valid JSON-RPC id (int or str) becomes null."""
        valid = isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool)
        # JSON-RPC answers an unreadable id with null; pygls types msg_id as int | str only
        self._send_response(msg_id if valid else None, None,  # pyright: ignore[reportArgumentType]
                            t.ResponseError(code=code, message=message))

    def receive(self, body: bytes) -> None:
        """One frame's body: parsed, validated and handled; every request gets an answer."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            log.warning("received a body that is not JSON (%s)", exc)
            self.error(None, _ERR_PARSE, f"Parse error: {exc}")
            return
        if not isinstance(data, dict) or data.get("jsonrpc") != self.VERSION:
            log.warning("received a message that is not a JSON-RPC 2.0 object: %.200r", data)
            if not isinstance(data, dict) or "method" in data and "id" in data:
                self.error(data.get("id") if isinstance(data, dict) else None, _ERR_INVALID_REQUEST,
                           "Invalid Request: not a JSON-RPC 2.0 message object")
            return
        is_request = "id" in data and "method" in data
        if is_request and not isinstance(data["method"], str):
            self.error(data["id"], _ERR_INVALID_REQUEST, "Invalid Request: method must be a string")
            return
        try:
            message = self.structure_message(data)
        except JsonRpcException as exc:
            if is_request:
                code = _ERR_INVALID_PARAMS if exc.code == _ERR_INVALID_PARAMS else exc.code
                self.error(data["id"], code, f"{exc.message}: the params of {data['method']} do not have the "
                                             f"types the protocol gives them")
            return
        try:
            # pygls' structure_message returns classes (ResponseErrorMessage: id may be None) that its own
            # RPCMessage protocols do not admit
            self.handle_message(message)  # pyright: ignore[reportArgumentType]
        except (SystemExit, KeyboardInterrupt):
            raise
        except Exception:
            log.exception("handling %s failed", data.get("method") or "a response")
            if is_request:
                self.error(data["id"], -32603, "Internal error")

    def handle_message(self, message) -> None:
        method = getattr(message, "method", None)
        msg_id = getattr(message, "id", None)
        is_request = method is not None and msg_id is not None
        if not self.initialize_seen and method is not None:
            if method == t.INITIALIZE:
                self.initialize_seen = True
            elif method != t.EXIT:
                if is_request:
                    self.error(msg_id, t.ErrorCodes.ServerNotInitialized,
                               f"{method}: the server is not initialized (send initialize first)")
                return
        if self._shutdown and is_request and method != t.EXIT:
            self.error(msg_id, _ERR_INVALID_REQUEST, f"{method}: the server is shutting down")
            return
        super().handle_message(message)


async def _serve(stop: Event, reader: FrameReader, protocol: TfLspProtocol) -> None:
    while not stop.is_set():
        try:
            body = await reader.next_body()
        except Exception:                  # a bug in the reader must not end the session: start over from clean
            log.exception("framing: reading a frame failed; %d buffered byte(s) dropped", len(reader.buf))
            reader.buf.clear()
            continue
        if body is None:
            return
        try:
            protocol.receive(body)
        except Exception:
            log.exception("handling a message failed")


def serve_stdio(server, stdin=None, stdout=None) -> None:
    """Run ``server`` (a pygls LanguageServer whose protocol is ``TfLspProtocol``) over stdin/stdout."""
    from pygls.io_ import StdoutWriter

    stdin = stdin or sys.stdin.buffer
    read1 = getattr(stdin, "read1", None) or stdin.read
    server._stop_event = stop = Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        reader = FrameReader(lambda: loop.run_in_executor(server.thread_pool, read1, 65536))
        await _serve(stop, reader, server.protocol)

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; the server stops")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


__all__ = ["FrameReader", "TfLspProtocol", "serve_stdio", "MAX_BODY"]
