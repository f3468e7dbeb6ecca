"""Pages of the sle-immunomod Streamlit app (`streamlit run app.py`); shared helpers in `common`."""
