"""Recall@k and NDCG@k on hand-computed cases."""

import math

import pytest

from ranking.metrics import mean_ndcg_at_k, mean_recall_at_k, ndcg_at_k, paired_gain, recall_at_k


def test_recall_counts_hits_in_top_k_over_all_relevant() -> None:
    ranked = ["a", "b", "c", "d"]
    assert recall_at_k(ranked, {"b", "d", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, {"b", "d", "z"}, 4) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, {"x"}, 4) == 0.0
    assert recall_at_k(["a"], {"a"}, 10) == 1.0


def test_duplicates_count_once() -> None:
    assert recall_at_k(["a", "a", "b"], {"b"}, 2) == 1.0
    assert ndcg_at_k(["a", "a"], {"a", "b"}, 2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_binary_ndcg_exact() -> None:
    # hits at ranks 2 and 3; ideal puts both relevant items at ranks 1 and 2
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3)
    assert ndcg_at_k(["x", "a", "b"], {"a", "b"}, 3) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "b"], {"a", "b"}, 2) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], {"a"}, 2) == 0.0


def test_ndcg_ideal_is_cut_at_k() -> None:
    # 3 relevant, k=1: a hit at rank 1 is already ideal
    assert ndcg_at_k(["a"], {"a", "b", "c"}, 1) == pytest.approx(1.0)


def test_graded_ndcg_uses_exponential_gain() -> None:
    gains = {"a": 3.0, "b": 1.0, "c": 0.0}
    dcg = (2**1 - 1) / math.log2(2) + (2**3 - 1) / math.log2(3)
    idcg = (2**3 - 1) / math.log2(2) + (2**1 - 1) / math.log2(3)
    assert ndcg_at_k(["b", "a", "c"], gains, 3) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["c"], {"c": 0.0}, 1) == 0.0


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="k must be positive"):
        recall_at_k(["a"], {"a"}, 0)
    with pytest.raises(ValueError, match="relevant is empty"):
        ndcg_at_k(["a"], set(), 5)


def test_means_skip_empty_users_and_score_missing_rankings_zero() -> None:
    rankings = {"u": ["a", "b"], "v": ["c"]}
    relevant = {"u": {"b"}, "v": {"x"}, "w": {"a"}, "empty": set()}
    assert mean_recall_at_k(rankings, relevant, 2) == pytest.approx(1 / 3)
    assert mean_ndcg_at_k(rankings, relevant, 2) == pytest.approx((1 / math.log2(3)) / 3)
    assert mean_recall_at_k({}, {}, 5) == 0.0


def test_paired_gain_interval_excludes_zero_only_for_a_consistent_gain() -> None:
    relevant = {f"u{n}": {"hit"} for n in range(40)}
    top, second = ["hit", "x"], ["x", "hit"]
    always = paired_gain(ndcg_at_k, dict.fromkeys(relevant, second), dict.fromkeys(relevant, top), relevant, 10)
    assert always["gain"] == pytest.approx(1 - 1 / math.log2(3)) and always["users"] == 40
    assert always["low"] == always["high"] == always["gain"]  # every user gains the same: no spread
    mixed_old = {u: second if n % 2 else top for n, u in enumerate(relevant)}
    mixed_new = {u: top if n % 2 else second for n, u in enumerate(relevant)}  # half win, half lose
    mixed = paired_gain(ndcg_at_k, mixed_old, mixed_new, relevant, 10)
    assert mixed["low"] < 0 < mixed["high"]
    mostly = {u: top if n % 8 else second for n, u in enumerate(relevant)}  # 35 of 40 gain
    some = paired_gain(ndcg_at_k, dict.fromkeys(relevant, second), mostly, relevant, 10)
    assert 0 < some["low"] < some["gain"] < some["high"]
    none = paired_gain(ndcg_at_k, {}, {}, {"u": set()}, 10)  # nobody to judge
    assert none == {"gain": 0.0, "low": 0.0, "high": 0.0, "users": 0.0}
