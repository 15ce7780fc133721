"""The request spec: every raw value a client can send becomes a typed value or a clear zh/en message
that names the parameter; text that is too long is cut and the notices say so."""

import math

import pytest

from emojigen import BadParameter, Request
from emojigen.spec import ENDPOINTS, SEED_MAX, coerce, defaults, params, validate

P = params()


def value(name, raw):
    return coerce(P[name], raw)[0]


def test_an_empty_box_or_a_left_out_value_means_the_default():
    for name in ("seed", "intensity", "style", "platform", "outline_width", "shadow", "count", "lora_scale"):
        assert value(name, None) == defaults()[name]
        assert value(name, "  ") == defaults()[name]
    assert validate(Request())[0] == Request() and validate(Request())[1] == []


def test_numbers_arrive_as_numbers_or_text():
    assert value("seed", "42") == 42 and value("seed", 7.0) == 7 and value("seed", " 3 ") == 3
    assert value("seed", str(SEED_MAX)) == SEED_MAX
    assert value("intensity", "1.25") == 1.25 and isinstance(value("intensity", 1), float)
    assert value("steps", 30.0) == 30 and isinstance(value("steps", 30.0), int)


@pytest.mark.parametrize("raw", ["abc", "1.5", 2.5, math.nan, math.inf, -math.inf, "NaN", "-Infinity", 2**64, 1e30,
                                 -1, True, [1], {"a": 1}])
def test_bad_seeds_name_the_parameter_and_what_it_accepts(raw):
    with pytest.raises(BadParameter) as caught:
        value("seed", raw)
    error = caught.value
    assert error.param == "seed"
    assert "seed" in error.en and "whole number from 0 to 4294967295" in error.en
    assert "seed" in error.zh and "整数" in error.zh


@pytest.mark.parametrize(("name", "raw"), [("intensity", 1.6), ("intensity", -0.1), ("outline_width", 33),
                                           ("strength", 0.01), ("steps", 101), ("guidance", 21), ("face", -1),
                                           ("count", 0), ("lora_scale", "x")])
def test_out_of_range_values_are_refused_not_changed(name, raw):
    with pytest.raises(BadParameter, match=name):
        value(name, raw)


def test_choices_ignore_case_and_list_what_is_allowed():
    assert value("style", " Cartoon ") == "cartoon" and value("platform", "LINE") == "line"
    with pytest.raises(BadParameter, match="one of: photo, cartoon"):
        value("style", "oil painting")
    with pytest.raises(BadParameter, match="platform"):
        value("platform", "myspace")


def test_true_and_false_in_every_form_clients_send():
    assert value("shadow", "true") is True and value("shadow", "off") is False and value("shadow", 1) is True
    with pytest.raises(BadParameter, match="shadow"):
        value("shadow", "abc")


def test_colours_are_normalised_or_refused():
    assert value("outline_color", "white") == "#ffffff" and value("outline_color", "#F0a") == "#ff00aa"
    with pytest.raises(BadParameter, match="outline_color"):
        value("outline_color", "#12")


def test_lone_surrogates_are_refused_with_the_parameter_named():
    for name in ("text", "caption", "template", "lora", "expressions"):
        with pytest.raises(BadParameter, match=name):
            value(name, "开心\ud83d")


def test_text_that_is_too_long_is_cut_and_said():
    request, notices = validate(Request(text="哈" * 5000, caption="x" * 100_000))
    assert len(request.text) == 200 and len(request.caption) == 40
    codes = {n.code for n in notices}
    assert codes == {"text_cut", "caption_cut"}
    assert all(n.zh and n.en and "100000" in n.en for n in notices if n.code == "caption_cut")


def test_every_endpoint_lists_declared_fields_once():
    for fields in ENDPOINTS.values():
        assert len(set(fields)) == len(fields) and set(fields) <= set(P)
    # earlier clients' positional order is kept; new parameters come at the end
    assert ENDPOINTS["generate"][:5] == ("image", "text", "style", "caption", "seed")
    assert ENDPOINTS["pack"][:4] == ("image", "platform", "count", "expressions")
