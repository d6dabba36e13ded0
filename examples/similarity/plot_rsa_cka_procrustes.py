"""
RSA, CKA and Procrustes: what each one forgives
===============================================

Three similarity measures compare two response matrices of the same stimuli. We
transform a representation in ways that keep or destroy its information and watch
each measure: an orthogonal rotation, an anisotropic rescaling of its principal axes,
and added noise.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_brainmap.metrics import cka_score, procrustes_score, rsa_score

rng = np.random.default_rng(0)
X = rng.standard_normal((200, 30)) @ np.diag(np.geomspace(3, 0.1, 30))
rotation, _ = np.linalg.qr(rng.standard_normal((30, 30)))
stretch = np.diag(np.geomspace(0.2, 5, 30))       # flips the order of variances

transforms = {
    "rotated": X @ rotation,
    "rescaled axes": X @ stretch,
    "noisy (σ = 1)": X + rng.standard_normal(X.shape),
}
measures = {"RSA (Spearman)": rsa_score, "linear CKA": cka_score,
            "Procrustes (NBS)": procrustes_score}

# %%
scores = np.array([[measure(X, Y) for Y in transforms.values()]
                   for measure in measures.values()])
for name, row in zip(measures, scores):
    print(f"{name:>18}: " + ", ".join(f"{t} {v:.3f}" for t, v in zip(transforms, row)))

# %%
# CKA and Procrustes ignore rotations exactly; RSA with the default correlation
# distance nearly does (each stimulus pattern is centred across units, which a rotation
# does not preserve). Rescaling the principal axes keeps every linear mapping possible
# but changes the geometry, and all three drop: CKA most, because it weighs each
# dimension by its squared variance (the rescaling swaps which dimensions dominate);
# the normalized Bures similarity weighs them by their singular values. Noise lowers
# all three. None of them says whether a task variable is decodable (Cloos et al.).
fig, ax = plt.subplots(figsize=(6, 3.5))
for k, name in enumerate(measures):
    ax.bar(np.arange(3) + (k - 1) * 0.27, scores[k], 0.27, label=name)
ax.set_xticks(range(3), list(transforms))
ax.set_ylabel("similarity to the original")
ax.legend()
fig.tight_layout()
