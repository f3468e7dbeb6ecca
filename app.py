"""sle-immunomod: the Streamlit teaching app (`streamlit run app.py`).

A multipage app built with `st.navigation`: each page is a file in `app_pages/` served at its own
URL path (`/explore`, `/compare`, ...); shared helpers live in `app_pages/url_state.py` (URL state,
no Streamlit), `app_pages/widgets.py` and `app_pages/plots.py`. The root
URL forwards to `/explore`, keeping any query string, so every page has a stable address that can
be shared. The app holds no model maths; it calls `model`.
Illustrative teaching model, not predictive, not medical advice.
"""

from pathlib import Path

import streamlit as st

from app_pages import lesson_panel, widgets

HERE = Path(__file__).parent
#: (file in app_pages/, title, url path, icon); optional pages are registered only if their file exists.
PAGES = (
    ("explore.py", "Explore", "explore", ":material/monitoring:"),
    ("compare.py", "Compare", "compare", ":material/compare_arrows:"),
    ("tipping_points.py", "Tipping points", "tipping_points", ":material/swap_calls:"),
    ("how_sure.py", "How sure are we?", "how_sure", ":material/help:"),
    ("model_evidence.py", "Model & evidence", "model_evidence", ":material/menu_book:"),
    ("classroom.py", "Classroom", "classroom", ":material/school:"),
    ("virtual_trial.py", "Virtual trial", "virtual_trial", ":material/science:"),
)

st.set_page_config(page_title="sle-immunomod (illustrative teaching model)", page_icon="🧪", layout="wide")
pages = [
    st.Page(HERE / "app_pages" / file, title=title, url_path=path, icon=icon)
    for file, title, path, icon in PAGES
    if (HERE / "app_pages" / file).exists()
]


def _start() -> None:
    """The root URL: forward to Explore with the same query string."""
    st.switch_page(pages[0], query_params=widgets.read_query())


navigation = st.navigation([st.Page(_start, title="Start", url_path="start", default=True), *pages], position="hidden")
with st.sidebar:
    for item in pages:
        st.page_link(item)
    st.divider()
widgets.sidebar_controls()
lesson_panel.follow_url()
lesson_panel.task_panel()
navigation.run()
