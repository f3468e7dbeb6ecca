"""How the model is solved: one run (`simulate`), the steady state each run starts from
(`attractor`), the Jacobian's sparsity (`jacobian`) and many runs in one vectorised solve (`batch`).
"""
