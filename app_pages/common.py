"""Deprecated: the shared UI helpers moved to `url_state` (no Streamlit), `widgets` and `plots`.

Kept only while pages written before the split are updated; import from the new modules.
"""

from app_pages.plots import *  # noqa: F403
from app_pages.url_state import *  # noqa: F403
from app_pages.widgets import *  # noqa: F403
