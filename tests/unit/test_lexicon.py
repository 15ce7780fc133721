import pytest

from emojigen.expression import EXPRESSIONS, parse_expression
from emojigen.expression.lexicon import Lexicon, default_lexicon


@pytest.mark.parametrize(
    "text, expected",
    [
        ("开心", "happy"), ("高兴", "happy"), ("哈哈", "laugh"), ("笑死", "laugh"), ("开心大笑", "laugh"),
        ("伤心", "sad"), ("难过", "sad"), ("哭", "cry"), ("震惊", "surprised"), ("惊讶", "surprised"),
        ("我的天", "surprised"), ("生气", "angry"), ("气死我了", "angry"), ("愤怒", "angry"),
        ("恶心", "disgusted"), ("害怕", "scared"), ("lol", "laugh"), ("LOL", "laugh"), ("shocked", "surprised"),
        ("furious", "angry"), ("surprised", "surprised"), ("wink", "wink"), ("smug", "smug"),
        ("面无表情", "neutral"), ("I am so happy today", "happy"), ("ＬＯＬ", "laugh"),
    ],
)
def test_words_map_to_expressions(text, expected):
    spec = parse_expression(text)
    assert spec.understood
    assert spec.name == expected


def test_every_expression_has_words_and_captions():
    lexicon = default_lexicon()
    for name in EXPRESSIONS:
        assert lexicon.words_for(name), name
        assert lexicon.captions[name]["zh"] and lexicon.captions[name]["en"], name


def test_intensity_grows_from_smile_to_laugh():
    assert parse_expression("微笑").intensity < parse_expression("笑").intensity < parse_expression("大笑").intensity


def test_modifiers_scale_intensity():
    plain = parse_expression("sad").intensity
    assert parse_expression("a bit sad").intensity < plain < parse_expression("very sad").intensity
    zh = [parse_expression(t).intensity for t in ("有点伤心", "伤心", "非常伤心")]
    assert zh == sorted(zh) and len(set(zh)) == 3


def test_negated_cheer_is_sad():
    assert parse_expression("不开心").name == "sad"
    assert parse_expression("not happy").name == "sad"


def test_latin_words_match_whole_words_only():
    assert not parse_expression("crusade").understood  # contains "sad"


def test_unknown_text_falls_back_and_says_so():
    spec = parse_expression("嗯嗯 something else entirely")
    assert not spec.understood
    assert spec.name == default_lexicon().default
    assert spec.matched == ()


def test_scale_is_clamped():
    assert parse_expression("暴怒!!!", scale=1.5).intensity == 1.5
    assert parse_expression("开心", scale=0.0).intensity == 0.0


@pytest.mark.parametrize(("text", "main", "mixed"), [
    ("a bit sad and angry", "angry", ["sad"]),
    ("surprised and happy", "surprised", ["happy"]),
    ("开心又惊讶", "happy", ["surprised"]),
    ("not happy and angry", "sad", ["angry"]),
])
def test_joined_feelings_blend(text, main, mixed):
    spec = parse_expression(text)
    assert spec.name == main and [name for name, _ in spec.blend] == mixed


@pytest.mark.parametrize("text", ["开心大笑", "气死我了", "又哭又笑", "sad", "哈哈哈 lol"])
def test_one_feeling_is_no_blend(text):
    assert parse_expression(text).blend == ()


def test_a_blend_takes_each_action_unit_at_its_strongest():
    lexicon = default_lexicon()
    spec = parse_expression("a bit sad and angry")
    aus = lexicon.blend_aus(spec)
    sad, angry = lexicon.recipes["sad"], lexicon.recipes["angry"]
    for au in set(sad) | set(angry):
        assert aus[au] == pytest.approx(max(sad.get(au, 0.0), angry.get(au, 0.0)))
    assert lexicon.blend_aus(parse_expression("sad")) is None


def test_an_unknown_action_unit_in_the_data_is_refused():
    data = {"default": "smile", "modifiers": {"weaker": {}, "stronger": {}},
            "expressions": {"smile": {"aus": {"AU99": 1.0}, "words": {"smile": 1.0}}}}
    with pytest.raises(ValueError, match="AU99"):
        Lexicon(data)
