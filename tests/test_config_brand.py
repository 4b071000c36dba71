"""The brand settings: a colour white text reads on, and web links for the logo and privacy page."""

from __future__ import annotations

import pytest

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from tests.support.factories import SECRET


def test_a_brand_colour_too_light_for_white_text_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="BRAND_COLOUR"):
        Settings(secret_key=SECRET, brand_colour="#ffcc00").check()
    with pytest.raises(ConfigurationError, match="LOGO_URL"):
        Settings(secret_key=SECRET, logo_url="javascript:alert(1)").check()
    Settings(secret_key=SECRET, brand_colour="#1a4d8f").check()  # dark enough: accepted
