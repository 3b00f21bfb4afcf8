"""Lazy bench items: the same items as the eager generator wrote before (pinned digests),
from any index, in any order, without holding them."""

import hashlib
import json
import pickle
import threading

from ddbtui.bench.workload import Workload

# sha256(json(items, sort_keys))[:16] of ddb_items(300) and ddb_items(50, start=123_456),
# computed with the eager generator (a list built up front) before items became lazy.
PINNED = {
    ("books", 0, 42): ("fb64d8acc564bd59", "1f56f150b61ea7b9"),
    ("books", 0, 7): ("e87281f471a8b6ff", "6ebc80e3445b0115"),
    ("books", 700, 42): ("19f8b1170fdedd55", "2c411788e800253c"),
    ("books", 700, 7): ("284b06601b03bf1d", "ffa0c224de6c0e2e"),
    ("wallets", 0, 42): ("305479ca166dd291", "6690d4b31c477edb"),
    ("wallets", 0, 7): ("61a2a73d9c3ad35f", "50aa9f0ff68a8d65"),
    ("wallets", 300, 42): ("e626b381e5f07fab", "dd445406ea8ffc55"),
    ("wallets", 300, 7): ("03e329dafaa958b3", "0c0517beac580ee8"),
}


def _digest(items) -> str:
    return hashlib.sha256(json.dumps(list(items), sort_keys=True).encode()).hexdigest()[:16]


def test_items_equal_the_pinned_eager_items():
    for (name, size, seed), (head, far) in PINNED.items():
        w = Workload(name, seed, size)
        assert _digest(w.ddb_items(300)) == head, (name, size, seed)
        assert _digest(w.ddb_items(50, 123_456)) == far, (name, size, seed)
        seq = w.sequence(10_000_000)
        assert _digest(seq.iter_range(0, 300)) == head
        assert _digest(seq.item(i) for i in range(123_456, 123_506)) == far


def test_first_items_spelled_out():
    assert Workload("books", 42).sequence(1).item(0) == {
        "isbn": {"S": "9780043986189"}, "author": {"S": "Mr. Andrew Foster"},
        "title": {"S": "Forget thus western"}, "published": {"S": "1960-04-25"}}
    assert Workload("wallets", 42).ddb_item(999_999) == {
        "user_id": {"S": "user-923390699"}, "balance": {"N": "51314.83"}, "name": {"S": "Richard Smith"}}


def test_sequence_is_lazy_sliceable_and_picklable():
    w = Workload("books", 3, 200)
    seq = w.sequence(10_000_000)  # nothing generated: a 10M-item run starts at once
    assert len(seq) == seq.count == 10_000_000
    assert seq[9_999_999] == w.ddb_item(9_999_999) == seq[-1]
    part = seq[5_000_000:5_000_010]
    assert len(part) == 10 and list(part) == w.ddb_items(10, 5_000_000)
    assert part[0] == seq[5_000_000] and list(part[2:4]) == list(part)[2:4]
    back = pickle.loads(pickle.dumps(part))  # worker processes get their share this way
    assert list(back) == list(part)
    assert seq.key(42) == w.key_of(seq[42]) and list(seq.keys(0, 3)) == [w.key_of(seq[i]) for i in range(3)]


def test_shared_iterator_is_thread_safe_and_yields_each_item_once():
    seq = Workload("wallets", 1).sequence(3000)
    it = iter(seq)
    got: list[list[str]] = [[] for _ in range(4)]

    def pull(k):
        for item in it:
            got[k].append(item["user_id"]["S"])

    threads = [threading.Thread(target=pull, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    flat = [x for g in got for x in g]
    assert sorted(flat) == sorted(i["user_id"]["S"] for i in seq.iter_range(0, 3000))
    assert len(set(flat)) == 3000
