import dataclasses
import time

import pytest

from emojigen.expression import EXPRESSIONS
from emojigen.expression.lexicon import default_lexicon
from emojigen.moderation import Moderator, Verdict, blocked_message, check_text, default_moderator
from emojigen.moderation.normalize import views
from emojigen.moderation.wordlists import moderation_dir


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return default_moderator()


@pytest.mark.parametrize(
    "text",
    [
        # from the lists, plain
        "傻逼", "你他妈的", "操你妈", "婊子", "fuck", "motherfucker", "bitch", "asshole", "nigger", "faggot", "cunt",
        "wanker", "what the fuck is this", "你真是个傻逼啊",
        # separators and invisible characters between the letters
        "傻 逼", "傻.逼", "傻_逼", "傻\u200b逼", "傻\u200d逼", "f u c k", "f.u.c.k", "f-u-c-k", "f_u_c_k",
        "f\u200bu\u200bc\u200bk", "s h i t happens", "fu_ck you",
        # full-width and compatibility forms, marks, look-alike letters
        "ＦＵＣＫ", "ｆｕｃｋ", "傻逼！", "fück", "fuсk",  # the last one has a Cyrillic с
        # Traditional characters of a Simplified entry
        "幹你娘", "操你媽", "賤人", "雞巴", "妳媽的",
        # leetspeak
        "sh1t", "5h1t", "sh!t", "b1tch", "a55hole", "$hit", "p0rn", "f.u.c.k1ng",
        # hate slogans, calls to self-harm, curses (extra.txt)
        "heil hitler", "Sieg Heil!", "希特勒万岁", "kill yourself", "KILL YOURSELF!!", "#killyourself", "kys",
        "go drink bleach", "你怎么还不去死", "你去自杀", "你妈死了", "nmsl",
        # a symbol entry
        "🖕", "🖕🏻",
    ],
)
def test_abuse_is_blocked(moderator, text):
    verdict = moderator.check_text(text)
    assert verdict.blocked, text
    assert verdict.category


@pytest.mark.parametrize(
    "text, category",
    [("傻逼", "profanity"), ("heil hitler", "hate"), ("kill yourself", "self_harm"), ("你妈死了", "abuse")],
)
def test_verdict_names_the_category(moderator, text, category):
    assert moderator.check_text(text) == Verdict(blocked=True, category=category)


@pytest.mark.parametrize(
    "text",
    [
        # ordinary feelings and captions
        "开心", "气死我了", "笑死我了", "我太难了", "哭死", "哭死我了", "笑死", "去死吧", "你去死吧！", "我好想死",
        "so happy", "I'm dead lol", "im dead", "kill me now", "this sucks", "I'm so pissed", "damn it", "omg wtf",
        "hell yeah", "I'm screwed", "ugly crying", "stupid Monday", "笨蛋", "奸笑", "奶茶", "干杯", "灿烂",
        # a blocked entry inside a longer word
        "class", "passion", "assassin", "Assassin's Creed", "Scunthorpe", "grape", "cocktail", "therapist",
        "analysis", "Dumas's novels", "who're you", "push it", "is hit", "an al dente pasta",
        # a Chinese entry's characters inside ordinary phrases
        "生日你快乐", "我妈比我高", "你妈妈好", "老母鸡", "处女座", "放荡不羁", "手机八折", "吃鸡吧", "体操比赛",
        "一起去B站", "水乳交融", "摔了个狗吃屎",
        # names and numbers
        "Mong Kok", "Wang Xiaoming", "2013.", "13点开会", "455 yuan", "summa cum laude", "cock-a-doodle-doo",
        "", "   ",
    ],
)
def test_ordinary_text_passes(moderator, text):
    assert moderator.check_text(text) == Verdict(blocked=False, category=None), text


def test_every_built_in_word_and_caption_passes(moderator):
    lexicon = default_lexicon()
    for name in EXPRESSIONS:
        texts = list(lexicon.words_for(name)) + lexicon.captions[name]["zh"] + lexicon.captions[name]["en"]
        refused = [text for text in texts if moderator.check_text(text).blocked]
        assert not refused, (name, refused)


def test_separators_join_only_split_up_words():
    assert views("f.u.c.k").joined == "fuck"
    assert views("f u c k you").joined == "fuck you"
    assert views("an al").joined == "an al"  # two whole words stay two words
    assert views("455").spaced == "455"  # a plain number is not leetspeak
    assert views("a55").spaced == "ass"


def test_operator_block_file_adds_entries(tmp_path):
    block = tmp_path / "block.txt"
    block.write_text("# our own\n香菜\npineapple pizza\n[spam]\nbuy followers\n", encoding="utf-8")
    moderator = Moderator.load(block_file=block)
    assert moderator.check_text("我讨厌香菜") == Verdict(True, "operator")
    assert moderator.check_text("I love Pineapple-Pizza") == Verdict(True, "operator")
    assert moderator.check_text("buy followers now") == Verdict(True, "spam")
    assert not moderator.check_text("pineapple").blocked
    assert not default_moderator().check_text("我讨厌香菜").blocked


def test_allow_file_wins_at_the_same_place(tmp_path):
    block = tmp_path / "block.txt"
    block.write_text("鸡\n", encoding="utf-8")
    allow = tmp_path / "allow.txt"
    allow.write_text("鸡汤\nbastard sword\n", encoding="utf-8")
    moderator = Moderator.load(block_file=block, allow_file=allow)
    assert not moderator.check_text("心灵鸡汤").blocked
    assert moderator.check_text("鸡汤和炸鸡").blocked  # the second 鸡 is not inside an allowed phrase
    assert moderator.check_text("小鸡").blocked
    assert not moderator.check_text("a bastard sword").blocked
    assert moderator.check_text("you bastard").blocked


def test_allowing_a_listed_word_lifts_it(tmp_path):
    allow = tmp_path / "allow.txt"
    allow.write_text("bastard\n", encoding="utf-8")
    assert not Moderator.load(allow_file=allow).check_text("Bastard!").blocked


def test_message_never_repeats_the_word(moderator):
    zh, en = blocked_message()
    assert zh and en
    for text in ["傻逼", "fuck", "kill yourself", "heil hitler", "婊子"]:
        verdict = moderator.check_text(text)
        assert verdict.blocked
        shown = " ".join([zh, en, repr(verdict), str(dataclasses.asdict(verdict))]).casefold()
        assert text.casefold() not in shown


def test_check_all_and_module_function(moderator):
    assert moderator.check_all(["开心", "难过", "傻逼"]).blocked
    assert not moderator.check_all(["开心", "难过"]).blocked
    assert check_text("f u c k").blocked and not check_text("开心").blocked


def test_describe_lists_what_is_loaded(tmp_path):
    block = tmp_path / "block.txt"
    block.write_text("香菜\n", encoding="utf-8")
    summary = Moderator.load(block_file=block).describe()
    names = {item["name"]: item["entries"] for item in summary["lists"]}
    assert set(names) == {"ldnoobw-zh", "ldnoobw-en", "better-profanity-en", "emojigen-extra"}
    assert all(count > 10 for count in names.values())
    assert summary["block_file"] == str(block) and summary["block_file_entries"] == 1
    assert summary["allow_file"] is None and summary["allow_file_entries"] == 0


def test_vendored_lists_carry_their_licences():
    folder = moderation_dir()
    for name in ["zh.txt", "en.txt", "en-better-profanity.txt", "extra.txt", "allow.txt"]:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        assert len([line for line in lines if line and not line.startswith("#")]) > 5, name
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for fact in ["naughty-words", "1.2.0", "CC-BY-4.0", "Shutterstock", "LDNOOBW", "better-profanity", "0.7.0", "MIT"]:
        assert fact in readme, fact
    assert "Attribution 4.0 International" in (folder / "LICENSE-LDNOOBW.txt").read_text(encoding="utf-8")
    assert "Permission is hereby granted" in (folder / "LICENSE-better-profanity.txt").read_text(encoding="utf-8")


def test_single_common_characters_are_not_listed():
    zh = (moderation_dir() / "zh.txt").read_text(encoding="utf-8").splitlines()
    for common in "死气哭笑鸡奶干性乳逼":
        assert common not in zh, common


def test_a_check_takes_well_under_a_millisecond(moderator):
    text = ("今天氣死我了，老闆又讓我加班！so annoyed, f.u.c.k this class ＬＯＬ 😤 " * 6)[:200]
    moderator.check_text(text)
    rounds = 300
    start = time.perf_counter()
    for _ in range(rounds):
        moderator.check_text(text)
    per_check = (time.perf_counter() - start) / rounds
    assert per_check < 0.001, f"{per_check * 1e6:.0f} µs per check"
