"""Malformed parameters over plain HTTP, as a broken or hostile client sends them: NaN, ±Infinity, numbers too
big for any integer type, text for numbers, text for true/false and lone surrogates (half an emoji). Every
one is refused by our own validation, with a message in both languages that names the parameter and says
what it accepts, never with one of Gradio's internal messages; and the server keeps serving.

gradio_client cannot send NaN or lone surrogates, so the JSON is written by hand: json.dumps writes NaN
and Infinity literals, and escapes a lone surrogate as \\ud83d.
"""

from __future__ import annotations

import json
import math
import urllib.request

import pytest

from emojigen.spec import ENDPOINTS, SEED_MAX, Param, params
from ui.api import LIMIT, RESULT_ID, SESSION, STARS

pytestmark = pytest.mark.e2e

BAD_NUMBERS = [math.nan, math.inf, -math.inf, 2**64, 1e30, "abc"]
BAD_BOOL = "maybe"
LONE_SURROGATE = "\ud83d"
GRADIO_INTERNALS = ("Could not preprocess", "Could not postprocess", "Something went wrong", "Traceback",
                    "didn't receive enough input values")
# A character template needs no photo, so every request is complete but for the one bad value.
GOOD = {"template": "mochi", "text": "开心", "result_id": "x", "stars": 3, "limit": 5, "session": "malformed-tests"}
OTHER_ENDPOINTS = {"rate": (RESULT_ID, STARS), "history": (SESSION, LIMIT)}


def call(url: str, endpoint: str, data: list) -> tuple[str, object]:
    """POST the values, read the result stream; returns ("complete" or "error", its data)."""
    body = json.dumps({"data": data}, allow_nan=True).encode()
    request = urllib.request.Request(f"{url}gradio_api/call/{endpoint}", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        event_id = json.load(response)["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{endpoint}/{event_id}", timeout=120) as response:
        stream = response.read().decode()
    event = None
    for line in stream.splitlines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event in ("complete", "error"):
            return event, json.loads(line.removeprefix("data: "))
    raise AssertionError(f"no result in the stream: {stream[:500]}")


def declared(endpoint: str) -> list[Param]:
    if endpoint in ENDPOINTS:
        return [params()[name] for name in ENDPOINTS[endpoint]]
    return list(OTHER_ENDPOINTS[endpoint])


def positional(endpoint: str, name: str, value: object) -> list:
    """Good values, with `value` for `name`, in the endpoint's order; trailing ones left off (= defaults)."""
    names = [p.name for p in declared(endpoint)]
    values = {n: GOOD[n] for n in names if n in GOOD and n != name}
    values[name] = value
    last = max(names.index(n) for n in values)
    return [values.get(n) for n in names[: last + 1]]


def bad_values(param: Param) -> tuple[list, str, str]:
    """What to send for a parameter, and the words (zh, en) its message must use for what it accepts."""
    if param.kind in ("int", "float"):
        return BAD_NUMBERS, param.describe_range("zh"), param.describe_range("en")
    if param.kind == "bool":
        return [BAD_BOOL], "true 或 false", "true or false"
    return [LONE_SURROGATE], "不成对的代理字符", "lone surrogate"


CASES = [pytest.param(endpoint, param.name, id=f"{endpoint}-{param.name}")
         for endpoint in (*ENDPOINTS, *OTHER_ENDPOINTS) for param in declared(endpoint) if param.kind != "image"]


@pytest.mark.parametrize(("endpoint", "name"), CASES)
def test_a_malformed_value_gets_a_message_naming_the_parameter(app_url, endpoint, name):
    param = next(p for p in declared(endpoint) if p.name == name)
    values, accepts_zh, accepts_en = bad_values(param)
    failures = []
    for value in values:
        event, data = call(app_url, endpoint, positional(endpoint, name, value))
        message = str(data.get("error")) if isinstance(data, dict) else ""
        problems = [f"event {event}"] if event != "error" else []
        problems += [f"missing {part!r}" for part in (f"参数 {name}", f"Parameter {name}", accepts_zh, accepts_en)
                     if part not in message]
        problems += [f"Gradio's {text!r}" for text in GRADIO_INTERNALS if text in json.dumps(data)]
        if problems:
            failures.append(f"{value!r}: {problems} in {data!r}")
    assert not failures, "\n".join(failures)


def test_a_seed_too_big_for_json_clients_is_never_stored(app_url):
    """A seed past 32 bits would be stored and then break every client reading the history; it is refused
    before anything is made, and the largest allowed seed goes in and comes back out exactly."""
    event, data = call(app_url, "generate", positional("generate", "seed", 2**64))
    assert event == "error" and "Parameter seed" in data["error"], data
    event, made = call(app_url, "generate", positional("generate", "seed", SEED_MAX))
    assert event == "complete", made
    event, data = call(app_url, "history", ["malformed-tests", 200])
    assert event == "complete", data
    recent = data[0]
    seeds = {entry["id"]: entry["request"]["seed"] for entry in recent}
    assert seeds[made[1]["id"]] == SEED_MAX
    assert all(seed is None or 0 <= seed <= SEED_MAX for seed in seeds.values()), seeds


def test_the_server_still_serves_after_every_malformed_request(app_url):
    for endpoint, name in (("generate", "seed"), ("pack", "count"), ("rate", "stars"), ("history", "session")):
        value = LONE_SURROGATE if name == "session" else math.nan
        assert call(app_url, endpoint, positional(endpoint, name, value))[0] == "error"
    event, made = call(app_url, "generate", positional("generate", "caption", ""))
    assert event == "complete" and made[1]["expression"] == "happy", made
    event, data = call(app_url, "history", ["malformed-tests", 5])
    assert event == "complete" and data[0][0]["id"] == made[1]["id"], data


def test_history_parameters_may_be_left_off_over_plain_http(app_url):
    """`limit` and `operator_token` have defaults (20 and None); a plain-HTTP client may leave them off, as
    it may leave off the trailing parameters of /generate. Without a session nothing is listed."""
    event, data = call(app_url, "history", ["malformed-tests"])
    assert event == "complete" and isinstance(data[0], list), data
    event, data = call(app_url, "history", [])
    assert event == "error" and "session token" in data["error"], data
