"""Pages of the sle-immunomod Streamlit app (`streamlit run app.py`).

Shared helpers: `url_state` (the URL state, no Streamlit), `widgets` (page chrome, cached runs, cards,
downloads, sliders) and `plots` (figures and their one-sentence summaries).
"""
