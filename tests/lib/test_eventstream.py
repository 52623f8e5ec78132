"""The shared streaming pieces (portal/lib/eventstream.py)."""

from __future__ import annotations

import asyncio

from portal.lib.eventstream import HEADERS, event_stream, sse, status_fragment, with_pings


def test_sse_frames_multi_line_data_and_ids():
    assert sse("message", "a\nb", "7") == "id: 7\nevent: message\ndata: a\ndata: b\n\n"
    assert sse("close") == "event: close\ndata: \n\n"


def test_status_fragment_is_escaped_out_of_band_and_keeps_the_chat_default():
    default = status_fragment("live", "live")
    assert default == (
        '<span id="stream-status" hx-swap-oob="true" class="stream-status stream-live"'
        ' role="status">live</span>'
    )
    other = status_fragment("closed", "<b>x</b>", dom_id="run-7", css="run-state")
    assert 'id="run-7"' in other and "&lt;b&gt;x&lt;/b&gt;" in other and "<b>" not in other


def test_event_stream_headers():
    response = event_stream(_empty())
    assert response["Content-Type"] == "text/event-stream"
    for name, value in HEADERS.items():
        assert response[name] == value
    assert "Content-Encoding" not in response


async def _empty():
    if False:  # pragma: no cover
        yield b""


async def test_with_pings_yields_none_while_quiet_and_keeps_the_pending_item():
    async def slow():
        yield 1
        await asyncio.sleep(0.25)
        yield 2

    got = [item async for item in with_pings(slow(), every=0.1)]
    assert got[0] == 1 and got[-1] == 2
    assert None in got, "a quiet spell yields None (a ping) without losing the next item"


async def test_closing_with_pings_closes_the_source_mid_wait():
    closed = asyncio.Event()

    async def forever():
        try:
            yield "first"
            await asyncio.sleep(3600)
            yield "never"
        finally:
            closed.set()

    stream = with_pings(forever(), every=0.05)
    assert await anext(stream) == "first"
    assert await anext(stream) is None  # waiting on the source
    await stream.aclose()
    assert closed.is_set(), "the source's finally ran before aclose returned"


async def test_cancelling_the_consumer_cancels_the_source_and_propagates():
    closed = asyncio.Event()

    async def forever():
        try:
            yield "first"
            await asyncio.sleep(3600)
        finally:
            closed.set()

    async def consume():
        async for _ in with_pings(forever(), every=10):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    else:  # pragma: no cover
        raise AssertionError("CancelledError was swallowed")
    assert closed.is_set()
