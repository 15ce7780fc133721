"""One declaration per request field (emojigen/spec.py) makes the command line's options, the HTTP API's
parameters and the page's controls: the same names, the same defaults and the same ranges; a bad value
gets the same message from the command line as from the API; and the API takes every parameter by name."""

from __future__ import annotations

import zipfile

import pytest
from gradio_client import Client
from PIL import Image

from emojigen.spec import ENDPOINTS, SEED_MAX, Request, coerce, defaults, params, validate
from ui import cli
from ui.app import build_demo
from ui.i18n import EN, ZH

pytestmark = pytest.mark.e2e

P = params()
COMMANDS = {"generate": cli.GENERATE_FIELDS, "pack": ENDPOINTS["pack"]}
SESSION = "one-declaration-tests"  # the results these tests make, listed back from the history


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


# -- the HTTP API ------------------------------------------------------------------------------------


def test_api_parameters_are_the_declared_fields_in_order_each_with_its_default(client):
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for endpoint, names in ENDPOINTS.items():
        parameters = api[f"/{endpoint}"]["parameters"]
        assert [p["parameter_name"] for p in parameters] == list(names), endpoint
        for p in parameters:
            name = p["parameter_name"]
            assert p["parameter_has_default"], f"/{endpoint} {name} must be optional"
            # None too: a left-out value means the declared default (or the automatic choice), never
            # a value the API made up.
            assert p["parameter_default"] == defaults()[name], f"/{endpoint} {name}"


# -- the command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_options_are_the_declared_fields_with_their_defaults(command):
    parser = cli.build_parser()
    args = parser.parse_args([command])
    fields = [name for name in COMMANDS[command] if P[name].cli is not None]
    assert set(ENDPOINTS["pack"] if command == "pack" else ENDPOINTS["generate"] + ENDPOINTS["animate"]) \
        <= set(fields), "every API parameter is on the command line"
    # Left out, every option is None, so the library fills in the same defaults as for the API.
    assert {name: getattr(args, name) for name in fields} == dict.fromkeys(fields)
    request = Request(**{name: getattr(args, name) for name in fields})
    assert validate(request)[0] == validate(Request())[0]
    assert validate(request)[0].seed is None  # chosen at random per request, not by the parser

    for name in fields:  # each flag sets the field of its own name
        param = P[name]
        if param.cli == "":
            assert getattr(parser.parse_args([command, "me.jpg"]), name) == "me.jpg"
        elif param.kind == "bool":  # a flag turns the default around
            assert getattr(parser.parse_args([command, param.cli]), name) is (not defaults()[name]), name
        else:
            assert getattr(parser.parse_args([command, param.cli, "7"]), name) == "7", name


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_help_gives_each_declared_range_and_default(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # one line per option: no wrapping inside the words checked
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    for name in COMMANDS[command]:
        param = P[name]
        if param.cli:
            line = next(line for line in shown.split(" --") if line.startswith(param.cli.lstrip("-") + " "))
            assert param.describe_range("en") in line, line
            if param.kind != "bool" and defaults()[name] not in (None, ""):
                assert f"default {defaults()[name]}" in line, line


# The same bad value, as text, from the command line and through the API.
BAD = [("generate", "intensity", "3"), ("generate", "seed", str(SEED_MAX + 1)), ("generate", "outline_width", "abc"),
       ("generate", "face", "100"), ("generate", "style", "oil"), ("pack", "count", "0"), ("pack", "strength", "2")]


@pytest.mark.parametrize(("command", "name", "raw"), BAD, ids=[f"{c}-{n}" for c, n, _ in BAD])
def test_a_bad_value_gets_the_same_message_from_the_cli_and_the_api(command, name, raw, client, capsys,
                                                                    monkeypatch, tmp_path):
    monkeypatch.setenv("EMOJIGEN_OUTPUTS_DIR", str(tmp_path))
    monkeypatch.delenv("EMOJIGEN_SD_MODEL", raising=False)
    assert cli.main([command, P[name].cli, raw, "--template", "mochi"]) == 2
    said = capsys.readouterr().err.strip()
    assert f"参数 {name}" in said and f"Parameter {name}" in said, said
    assert P[name].describe_range("en") in said and P[name].describe_range("zh") in said, said
    assert not list(tmp_path.iterdir()), "a refused request writes nothing"
    with pytest.raises(Exception) as refused:
        client.predict(template="mochi", api_name=f"/{command}", **{name: raw})
    assert str(refused.value).strip() == said


# -- the page ----------------------------------------------------------------------------------------

# Numbers the page does not set with a slider, and why: an empty seed box means a new random seed (a
# slider always has a value); the face is picked by clicking it in the photo; a pack's size is a list of
# the sizes WeChat takes.
NOT_SLIDERS = {"seed", "face", "count"}
# Where the page's first value differs from the declared default: its word for "no platform", and the
# pack size it starts at (the API and the command line leave it to the platform: 16 for WeChat).
PAGE_OWN = {"platform": "none", "count": 8}
STATES = {"template", "face", "session"}  # set by clicks and by the browser, not by a labelled control


@pytest.fixture(scope="module")
def controls(pipeline):
    """Request field name -> the page control bound to it, read from the page's own Generate event (its
    inputs are the page's fields, in order, then two helpers), so what is checked is what is sent."""
    demo = build_demo(pipeline)
    assert set(ENDPOINTS["generate"]) | set(ENDPOINTS["animate"]) <= set(demo.page_fields)
    event = next(f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_generate")
    bound = dict(zip(demo.page_fields, event.inputs, strict=False))
    assert all(getattr(bound[name], "label", None) is None for name in STATES)
    return bound


def test_page_sliders_have_the_declared_ranges_and_defaults(controls):
    import gradio as gr

    sliders = {name: control for name, control in controls.items() if isinstance(control, gr.Slider)}
    numbers = {name for name in controls if P[name].kind in ("int", "float")}
    assert set(sliders) == numbers - NOT_SLIDERS
    for name, slider in sliders.items():
        param = P[name]
        assert (slider.minimum, slider.maximum) == (param.minimum, param.maximum), name
        assert slider.step == (param.step or (1 if param.kind == "int" else 0.05)), name
        # Where "left out" is automatic, the slider shows what it comes to.
        assert slider.value == (param.auto if defaults()[name] is None else defaults()[name]), name


def test_page_controls_have_the_declared_labels_choices_and_defaults(controls):
    for name, control in controls.items():
        if name in STATES:
            continue
        param = P[name]
        # Labels are the declaration's words, looked up by the field's name.
        assert control.label.key == f"field_{name}", name
        assert (ZH[f"field_{name}"], EN[f"field_{name}"]) == (param.zh, param.en)
        choices = [value for _, value in getattr(control, "choices", None) or []]
        if param.kind == "choice":
            assert choices == [PAGE_OWN[name], *param.choices] if name in PAGE_OWN else list(param.choices), name
        elif choices and param.kind == "int":
            assert all(param.minimum <= c <= param.maximum for c in choices), name
        if name in PAGE_OWN:
            assert control.value == PAGE_OWN[name], name
        elif name == "fast":  # left out, the server decides (EMOJIGEN_SD_FAST); the page shows its choice
            assert control.value is False  # the test server has no model: no fast mode
        elif param.auto is None:
            # The page's first value means what the declared default means (an empty box: left out).
            assert coerce(param, control.value)[0] == defaults()[name], name


# -- every parameter by name -------------------------------------------------------------------------


def _entry(client, result_id):
    """The request as the library received it, from the history."""
    recent = client.predict(session=SESSION, limit=50, api_name="/history")
    return next(entry for entry in recent if entry["id"] == result_id)["request"]


def test_no_choice_a_control_sends_is_also_a_word_the_page_translates(controls):
    """Gradio's page translates any string that is a key of its translations, values too: a radio whose
    value "bottom" was also the key of "底部" sent "底部" back, and the request failed now and then."""
    values = {str(c) for p in P.values() for c in (p.choices or ())}
    for control in controls.values():
        values |= {str(value) for _, value in getattr(control, "choices", None) or []}
    assert not (set(ZH) | set(EN)) & values


def test_every_endpoint_takes_its_parameters_by_keyword(client):
    # Among them the newest parameters of each endpoint, which a positional client would have to pad.
    _, details, fitted = client.predict(
        template="mochi", text="开心", caption="hi", seed=1, face=None, intensity=0.5, style="cartoon",
        platform="discord", caption_position="top", outline_width=4, outline_color="#ff0000", shadow=True,
        diffusion=False, session=SESSION, api_name="/generate")
    assert (details["caption"], details["seed"], details["expression"]) == ("hi", 1, "happy")
    assert details["intensity"] == 0.5 and details["face"] is None and details["faces_found"] == 0
    assert Image.open(fitted).size == (320, 320)  # Discord's size
    sent = _entry(client, details["id"])
    assert {k: sent[k] for k in ("template", "style", "platform", "caption_position", "outline_width",
                                 "outline_color", "shadow", "diffusion", "intensity")} == {
        "template": "mochi", "style": "cartoon", "platform": "discord", "caption_position": "top",
        "outline_width": 4, "outline_color": "#ff0000", "shadow": True, "diffusion": False, "intensity": 0.5}

    webp, _, details, _ = client.predict(template="mochi", text="哭", caption="hey", seed=2, caption_position="top",
                                         outline_width=3, outline_color="#00ff00", shadow=True, session=SESSION,
                                         api_name="/animate")
    assert (details["caption"], details["seed"], details["expression"]) == ("hey", 2, "cry")
    assert Image.open(webp).n_frames > 5
    sent = _entry(client, details["id"])
    assert (sent["caption_position"], sent["outline_width"], sent["outline_color"], sent["shadow"]) == \
        ("top", 3, "#00ff00", True)

    zip_path, summary = client.predict(template="mochi", platform="wechat", count=8, expressions="开心,哭",
                                       intensity=0.5, outline_width=2, shadow=True, captions=False, lang="en",
                                       seed=3, session=SESSION, api_name="/pack")
    assert summary["platform"] == "wechat" and summary["count"] == 8
    assert [s["expression"] for s in summary["stickers"]][:2] == ["happy", "cry"]
    assert all(s["caption"] == "" and s["intensity"] == 0.5 for s in summary["stickers"]), summary["stickers"]
    names = zipfile.ZipFile(zip_path).namelist()
    assert {f"main/{i:02d}.png" for i in range(1, 9)} <= set(names), names
    sent = _entry(client, summary["id"])
    assert (sent["count"], sent["captions"], sent["lang"], sent["outline_width"], sent["shadow"]) == \
        (8, False, "en", 2, True)
