"""Fixtures of the analytics tests: a plant with a generated history (see hotspot.py)."""

from __future__ import annotations

import pytest

from engine import db

from .hotspot import generate


@pytest.fixture()
def hot_spot(plant):
    """(jobs DataFrame, incidents DataFrame) after inserting them into the plant."""
    with plant.app_context():
        jobs, incidents = generate(db.session)
        db.session.remove()
    return jobs, incidents
