"""Hypothesis strategies shared by the bad-input property tests."""

from __future__ import annotations

from hypothesis import strategies as st


def awkward_scalars(*strings: str) -> st.SearchStrategy[object]:
    """JSON-ish scalars including the awkward ones: integers past float range and past Python's
    4300-digit str() limit, NaN/inf (Python's json writes them), float32 values, control
    characters, plus the given tricky strings."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([400, 4400]).map(lambda digits: 10**digits),  # past float range / past str()'s limit
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(width=32),
        st.text(max_size=30),
        st.sampled_from(strings or ("",)),
    )
