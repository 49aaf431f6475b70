"""indexer.values.vector_value: the JSON spelling of stored dense vectors."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from indexer.values import vector_value

finite_float32 = st.floats(width=32, allow_nan=False, allow_infinity=False)


@given(arrays(np.float32, st.integers(1, 64), elements=finite_float32))
def test_vector_value_reads_back_as_the_same_float32(vector: np.ndarray) -> None:
    value = vector_value(vector)
    assert all(type(x) is float for x in value)  # plain floats: any JSON encoder writes them
    assert np.array_equal(np.array(json.loads(json.dumps(value)), dtype=np.float32), vector)
    assert len(json.dumps(value)) <= len(json.dumps(vector.tolist()))


def test_vector_value_halves_a_unit_vector_s_json() -> None:
    rng = np.random.default_rng(0)
    vector = rng.standard_normal(64).astype(np.float32)
    vector /= np.linalg.norm(vector)
    short, long = len(json.dumps(vector_value(vector))), len(json.dumps(vector.tolist()))
    assert short < 0.65 * long, (short, long)


def test_vector_value_takes_float64_input_as_float32() -> None:
    assert vector_value(np.array([1 / 3])) == [0.33333334]
