"""The model's equations in LaTeX, written once from `equations.py` (terms grouped as there).

`docs/model.md` shows them in a generated block (`python -m model.report.docs_tables`) and the
app's "Model & evidence" page renders the same strings, so the two cannot disagree. Symbols are
the `symbol`s of `PARAMETERS` (a test checks that every parameter appears); the inputs from
interventions are $u(t)$ (fraction of proliferation blocked), $k_{dep}(t)$ (B-cell kill rate of a
depleting drug) and $I_G(t)$ (extra self-antigen from a trigger).
"""

from __future__ import annotations

from .outcomes import ACTIVITY_REFERENCE

__all__ = ["ACTIVITY", "EQUATIONS", "HELPERS", "INPUTS", "JUMPS", "aligned"]

#: Helper quantities: (what it is, LaTeX).
HELPERS: tuple[tuple[str, str], ...] = (
    ("activation switch", r"H(G) = \frac{G^n}{G^n + K_G^n}"),
    ("T-cell help", r"h_E = \frac{E}{E + K_H}"),
    ("licensed MSC", r"M_{eff} = \left(1 - \lambda + \lambda\,\frac{C_i^2}{C_i^2 + K_L^2}\right) M"),
    ("suppression index", r"S = 1 + \frac{R}{K_R} + \frac{C_a}{K_{Ca}} + \sigma_M M_{eff}"),
)

#: One equation per state, in `STATE_NAMES` order: (state name, LaTeX).
EQUATIONS: tuple[tuple[str, str], ...] = (
    ("E", r"\frac{dE}{dt} = s_E + (1-u)\,\frac{a_E H(G)\,E\,(1 - E/E_{max})}{S} - d_E E"),
    (
        "R",
        r"\frac{dR}{dt} = s_R + \frac{\rho\,\frac{C_a^2}{C_a^2 + K_\rho^2}\,R\,(1 - R/R_{max})}{1 + C_i/K_{CiR}}"
        r" + \iota_M M_{eff} - d_R R",
    ),
    ("B", r"\frac{dB}{dt} = s_B + (1-u)\,\frac{a_B H(G)\,h_E\,B\,(1 - B/B_{max})}{S} - k_{dep}(t)\,B - d_B B"),
    ("Ps", r"\frac{dP_s}{dt} = (1-u)\,k_{Ps} H(G)\,h_E\,B - \frac{\ln 2}{t_{Ps}} P_s"),
    ("Pl", r"\frac{dP_l}{dt} = k_{Pl} H(G)\,h_E\,B - \frac{\ln 2}{t_{Pl}} P_l"),
    ("A", r"\frac{dA}{dt} = p_A (P_s + P_l) - \frac{\ln 2}{t_A} A"),
    (
        "Ci",
        r"\frac{dC_i}{dt} = \frac{s_{Ci} + c_{IC}\,\frac{A G}{A G + K_{IC}} + c_E E}{1 + C_a/K_{CaCi}}"
        r" - d_{Ci} C_i",
    ),
    ("Ca", r"\frac{dC_a}{dt} = s_{Ca} + c_R R + c_M M_{eff} - d_{Ca} C_a"),
    ("G", r"\frac{dG}{dt} = s_G + I_G(t) + g_D D + g_C C_i - k_G G"),
    ("D", r"\frac{dD}{dt} = k_D\,A G\,(1 - D/D_{max}) - d_D D"),
    ("M", r"\frac{dM}{dt} = -\frac{\ln 2}{t_M} M"),
)

#: The inputs from interventions: (symbol, what it is).
INPUTS: tuple[tuple[str, str], ...] = (
    (
        "u(t)",
        "fraction of lymphocyte proliferation blocked by immunosuppression, or by the fading block after "
        "an HSCT-like reset",
    ),
    ("k_{dep}(t)", "B-cell kill rate of a depleting drug, halving with the drug's half-life"),
    ("I_G(t)", "extra self-antigen supply from a trigger (UV light, an infection)"),
)

#: What interventions do besides the inputs: jumps in the state at their event times.
JUMPS = (
    "An MSC infusion is a jump of the dose in $M$; an HSCT-like reset is a jump that removes most "
    "$E$, $B$, $P_s$, $P_l$ and some $R$."
)

#: The toy lupus activity index (TLAI, not SLEDAI), with its reference levels.
ACTIVITY = (
    rf"\mathrm{{TLAI}} = \tfrac13\left(\frac{{A}}{{{ACTIVITY_REFERENCE['A']:g}}}"
    rf" + \frac{{C_i}}{{{ACTIVITY_REFERENCE['Ci']:g}}} + \frac{{D}}{{{ACTIVITY_REFERENCE['D']:g}}}\right)"
)


def aligned() -> str:
    """Every equation in one `aligned` block (for Markdown ``$$ ... $$``), aligned at the equals sign."""
    rows = [tex.replace(" = ", " &= ", 1) for _, tex in EQUATIONS]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
