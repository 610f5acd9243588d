"""claw_chat_hub.protocol against the hub's own protocol document (docs/protocol.md, generated from
the hub's frame schemas): the same frame types, fields, error codes and close codes, so a protocol
change that the client misses fails here."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Set, Tuple

import pytest

from claw_chat_hub import protocol
from hubs import ROOT

DOC = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
ENVELOPE = {protocol.REQUEST_ID}


def section(title: str) -> str:
    start = DOC.index(f"## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end >= 0 else len(DOC)]


def frames(title: str) -> Dict[str, Tuple[Set[str], Set[str]]]:
    """Frame type → (required fields, optional fields), envelope left out."""
    found: Dict[str, Tuple[Set[str], Set[str]]] = {}
    for block in section(title).split("\n### ")[1:]:
        name = re.match(r"`(\w+)`", block)
        assert name, block[:40]
        rows = re.findall(r"^\| `(\w+)` \| .*? \| (yes|no) \|", block, re.M)
        required = {field for field, need in rows if need == "yes"} - ENVELOPE
        optional = {field for field, need in rows if need == "no"} - ENVELOPE
        found[name.group(1)] = (required, optional)
    return found


def table(title: str) -> List[List[str]]:
    rows = re.findall(r"^\| `?([^|`]+)`? \| ([^|]+) \|", section(title), re.M)
    return [[cell.strip() for cell in row] for row in rows if not set(row[0]) <= {"-", " "} and row[0] != "code"]


CLIENT = frames("Client → hub frames")
HUB = frames("Hub → client frames")


def test_frame_types() -> None:
    names = {value for key, value in vars(protocol.FrameType).items() if key.isupper()}
    assert names == set(CLIENT) | set(HUB)


PAYLOADS: Dict[str, Any] = {
    "welcome": protocol.Welcome,
    "register_service": protocol.Service,
    "chat_request": protocol.ChatRequest,
    "chat_accept": protocol.Channel,
    "chat_reject": protocol.ChatRejection,
    "chat_message": protocol.Message,
    "ack": protocol.Ack,
    "chat_end": protocol.ChatEnded,
    "chat_history": protocol.HistoryPage,
    "resume": protocol.Resumed,
    "error": protocol.ErrorPayload,
}
#: Agreed for every part of the project before the hub's schema carries it: a refusal that may be
#: retried says after how long.
AGREED = {"error": {"retry_after_ms"}}


@pytest.mark.parametrize("frame_type", sorted(PAYLOADS))
def test_hub_frame_payloads(frame_type: str) -> None:
    shape = PAYLOADS[frame_type]
    required, optional = HUB[frame_type]
    optional = optional | AGREED.get(frame_type, set())
    assert (set(shape.__required_keys__), set(shape.__optional_keys__)) == (required, optional)


BUILT = {
    "register_service": protocol.register_service("s", "d"),
    "chat_request": protocol.chat_request("s", "hi"),
    "chat_accept": protocol.chat_accept("ch_1", "c"),
    "chat_reject": protocol.chat_reject("ch_1", "c", "busy"),
    "chat_message": protocol.chat_message(channel_id="ch_1", target_agent="a", content="x", metadata={}, service_id="s", client_msg_id="k"),
    "chat_end": protocol.chat_end("ch_1", "done"),
    "chat_history": protocol.chat_history(channel_id="ch_1", service_id="s", limit=1, before_seq=1, after_seq=0),
    "resume": {key: value for key, value in protocol.resume([]).items() if key != protocol.REQUEST_ID},
}


@pytest.mark.parametrize("frame_type", sorted(BUILT))
def test_client_frames_carry_only_documented_fields(frame_type: str) -> None:
    required, optional = CLIENT[frame_type]
    built = BUILT[frame_type]
    assert built[protocol.TYPE] == frame_type
    assert set(built) - {protocol.TYPE} == required | optional


def test_builders_leave_out_what_is_not_given() -> None:
    assert protocol.chat_request("s", None) == {"type": "chat_request", "service_id": "s"}


def test_error_codes() -> None:
    documented = {row[0] for row in table("Error codes")}
    named = {value for key, value in vars(protocol.ErrorCode).items() if key.isupper()}
    assert named == documented
    assert protocol.RETRYABLE_CODES <= named


def test_close_codes() -> None:
    documented = {row[1]: int(row[0]) for row in table("Close codes")}
    named = {key: value for key, value in vars(protocol.CloseCode).items() if key.isupper()}
    assert named == documented
