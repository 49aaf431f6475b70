"""The one Settings object: values derived from others."""

import pytest

from api.settings import Settings


def test_feed_knn_weight_follows_the_towers_temperature(monkeypatch: pytest.MonkeyPatch) -> None:
    """The user-kNN boost converts ES's (1 + cos) / 2 into the towers' logit cos / temperature."""
    assert Settings().retrieval.knn_user_weight == pytest.approx(2 / Settings().towers.temperature)
    monkeypatch.setenv("TANDEM_TOWERS__TEMPERATURE", "0.08")
    assert Settings().retrieval.knn_user_weight == pytest.approx(25.0)
    monkeypatch.setenv("TANDEM_RETRIEVAL__KNN_USER_WEIGHT", "7")
    assert Settings().retrieval.knn_user_weight == 7.0  # set on its own: kept
