"""Placeholder app (replaced by the multipage app): one plot of `model.simulate`."""

import plotly.graph_objects as go
import streamlit as st

import model

st.set_page_config(page_title="sle-immunomod", layout="wide")
st.warning(model.DISCLAIMER)
res = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30, dose=1.0)])
fig = go.Figure(go.Scatter(x=res.t, y=res["activity"], name="activity"))
fig.update_layout(title="Toy activity index (illustrative, not predictive)", xaxis_title="day")
st.plotly_chart(fig)
