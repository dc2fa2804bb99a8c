"""scipy's solvers on our operators (in memory and out of core) against the same calls on the
scipy matrix, and the crate's own solvers against scipy's."""

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

import matvec
from conftest import poisson2d, random_sparse


def operators(a, tmp_path):
    """The matrix as scipy-shared, numpy-shared, streamed .npz and streamed .npy operators."""
    npz = tmp_path / "a.npz"
    matvec.save_npz(npz, a.tocsr())
    npy = tmp_path / "a.npy"
    np.save(npy, a.toarray())
    return {
        "scipy": matvec.from_scipy(a),
        "numpy": matvec.from_numpy(a.toarray()),
        "npz": matvec.open_npz(npz, budget="8KiB"),
        "npy": matvec.open_npy(npy, budget="64KiB"),
    }


def test_eigsh_svds_on_our_operators(tmp_path):
    a = poisson2d(12)  # 144 x 144, with repeated eigenvalues
    v0 = np.random.default_rng(0).standard_normal(144)
    want = sla.eigsh(a, k=4, which="LA", v0=v0)[0]
    np.testing.assert_allclose(np.sort(want), np.linalg.eigvalsh(a.toarray())[-4:], rtol=1e-10)
    b = random_sparse(150, 90, 0.1, seed=1)
    u0 = np.random.default_rng(1).standard_normal(90)
    want_s = sla.svds(b, k=5, v0=u0)[1]
    for name, op in operators(a, tmp_path).items():
        w = sla.eigsh(op.aslinearoperator(), k=4, which="LA", v0=v0)[0]
        np.testing.assert_allclose(np.sort(w), np.sort(want), rtol=1e-10, err_msg=name)
    (tmp_path / "b").mkdir()
    for name, op in operators(b, tmp_path / "b").items():
        s = sla.svds(op.aslinearoperator(), k=5, v0=u0)[1]
        np.testing.assert_allclose(np.sort(s), np.sort(want_s), rtol=1e-10, err_msg=name)


def test_cg_gmres_lsqr_on_our_operators(tmp_path):
    a = poisson2d(15)
    b = np.arange(225, dtype=np.float64) / 225
    x_cg = sla.cg(a, b, rtol=1e-10)[0]
    x_gm = sla.gmres(a, b, rtol=1e-10, restart=50)[0]
    r = random_sparse(200, 60, 0.2, seed=2)
    rb = np.ones(200)
    x_ls = sla.lsqr(r, rb, atol=1e-12, btol=1e-12)[0]
    for name, op in operators(a, tmp_path).items():
        lo = op.aslinearoperator()
        np.testing.assert_allclose(sla.cg(lo, b, rtol=1e-10)[0], x_cg, rtol=1e-8, err_msg=name)
        np.testing.assert_allclose(sla.gmres(lo, b, rtol=1e-10, restart=50)[0], x_gm, rtol=1e-8, err_msg=name)
    (tmp_path / "r").mkdir()
    for name, op in operators(r, tmp_path / "r").items():
        x = sla.lsqr(op.aslinearoperator(), rb, atol=1e-12, btol=1e-12)[0]
        np.testing.assert_allclose(x, x_ls, rtol=1e-8, err_msg=name)


def test_our_solvers_against_scipys(tmp_path):
    a = poisson2d(20)
    b = np.ones(400)
    x, rep = matvec.cg(matvec.from_scipy(a), b, rtol=1e-10)
    assert rep["converged"] and rep["products"] >= rep["iterations"]
    np.testing.assert_allclose(a @ x, b, atol=1e-8)
    np.testing.assert_allclose(x, sp.linalg.spsolve(a.tocsc(), b), rtol=1e-8)
    w, v, rep = matvec.lanczos(matvec.from_scipy(a), k=3, which="LA", tol=1e-10)
    want = sla.eigsh(a, k=3, which="LA")[0]
    np.testing.assert_allclose(np.sort(w), np.sort(want), rtol=1e-9)
    np.testing.assert_allclose(a @ v, v * w, atol=1e-7)
    g = random_sparse(300, 300, 0.02, seed=3)
    g.data[:] = 1.0
    pr, rep = matvec.pagerank(matvec.from_scipy(g), damping=0.85, tol=1e-12)
    assert rep["converged"] and abs(pr.sum() - 1) < 1e-10
    # The same PageRank by a dense solve: x = (1-d)/n (I - d P^T)^-1 1 with dangling nodes
    # spread uniformly.
    d = g.toarray()
    out = d.sum(axis=1)
    p = np.where(out[:, None] > 0, d / np.where(out > 0, out, 1)[:, None], 1.0 / 300)
    m = np.eye(300) - 0.85 * p.T
    want = np.linalg.solve(m, np.full(300, 0.15 / 300))
    np.testing.assert_allclose(pr, want / want.sum(), atol=1e-9)
    r = random_sparse(200, 80, 0.1, seed=4)
    u, s, vt, rep = matvec.rsvd(matvec.from_scipy(r), 4, tol=1e-10, maxiter=200)
    want_s = np.linalg.svd(r.toarray(), compute_uv=False)[:4]
    np.testing.assert_allclose(s, want_s, rtol=1e-8)
    assert u.shape == (200, 4) and vt.shape == (4, 80)
    np.testing.assert_allclose(r @ vt.T, u * s, atol=1e-7)
    npz = tmp_path / "a.npz"
    matvec.save_npz(npz, a)
    x2, rep2 = matvec.cg(matvec.open_npz(npz, budget="8KiB"), b, rtol=1e-10)
    assert np.array_equal(x, x2) and rep2["passes"] == rep["passes"] or rep2["converged"]
