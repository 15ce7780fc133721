"""The per-client rate limit's buckets: a burst up to the limit, then one request per refill, each
client on its own."""

from ui.limits import TokenBuckets, busy_message, too_many_message


def test_a_burst_then_the_refill_rate():
    buckets = TokenBuckets(per_minute=3)
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", now=0.0) == 20.0  # one token per 20 s
    assert buckets.take("b", now=0.0) == 0.0  # another client is not held up
    assert buckets.take("a", now=20.0) == 0.0


def test_the_messages_say_when_in_both_languages():
    assert "5 秒" in busy_message(5) and "5 s" in busy_message(5)
    assert "请求太频繁" in too_many_message(2) and "Too many requests" in too_many_message(2)
