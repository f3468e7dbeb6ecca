"""The project's one colour palette: Okabe-Ito, colour-blind safe (Okabe & Ito 2008).

Shared by the app's Plotly figures (`app_pages.plots`) and the package's own plots, so a state or a
run looks the same everywhere. Colours are hex strings, usable by Plotly and Matplotlib alike.
"""

from __future__ import annotations

__all__ = ["OKABE_ITO", "RUN_COLORS", "STATE_COLORS", "rgba"]

#: Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), by name.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#7F7F7F",
}
#: Colours for runs drawn together, in order (yellow left out: too pale on white for a projector).
RUN_COLORS: tuple[str, ...] = tuple(
    OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black")
)
#: One fixed colour per state, so a state looks the same on every plot.
STATE_COLORS: dict[str, str] = {
    "E": OKABE_ITO["vermillion"],
    "R": OKABE_ITO["bluish_green"],
    "B": OKABE_ITO["orange"],
    "Ps": OKABE_ITO["reddish_purple"],
    "Pl": OKABE_ITO["blue"],
    "A": OKABE_ITO["vermillion"],
    "Ci": OKABE_ITO["orange"],
    "Ca": OKABE_ITO["bluish_green"],
    "G": OKABE_ITO["blue"],
    "D": OKABE_ITO["reddish_purple"],
    "M": OKABE_ITO["sky_blue"],
}


def rgba(name: str, alpha: float) -> str:
    """The palette colour `name` with opacity `alpha` (0-1) as a CSS `rgba(...)` string (for Plotly fills)."""
    code = OKABE_ITO[name].lstrip("#")
    red, green, blue = (int(code[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha:g})"
